"""Engine benchmark (issue 3): one run measures, on the same diagram,

  (a) SpiffWorkflow alone, in-process: load a saved instance, complete a user task, run, save;
  (b) the same completion through the HTTP API (auth, lock, inbox update, audit, commit),
      in-process through the WSGI app, on SQLite and on PostgreSQL;
  (c) completions per second through a real server (gunicorn, 2 workers) on PostgreSQL;
  (d) the inbox listing with 100,000 open tasks in the database, p95.

Run: `make bench` or `.venv/bin/python -m bench.engine [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event

from app.extensions import db
from bench.inbox import inbox_p95
from bench.server import server_throughput
from bench.setup import DIAGRAM, deploy_as_owner, make_app, postgres_url, seed, sqlite_url


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def spiff_alone(rounds: int) -> list[float]:
    """(a): deserialize a saved instance, complete `fill`, run the engine, serialize."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec = parser.get_spec("bench_two_steps")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = BpmnWorkflow(spec)
    workflow.do_engine_steps()
    saved = serializer.serialize_json(workflow)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        loaded = BpmnWorkflowSerializer(
            BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        ).deserialize_json(saved)
        task = loaded.get_next_task(state=TaskState.READY, manual=True)
        task.data.update({"title": "基准", "score": 80})
        task.run()
        loaded.do_engine_steps()
        BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(
            loaded
        )
        samples.append(time.perf_counter() - started)
    return samples


def through_api(url: str, rounds: int, statements: list[int] | None = None) -> list[float]:
    """(b): POST /api/v1/tasks/<id>/complete through the WSGI app, one task per instance;
    `statements` gets the number of SQL statements each completion sent."""
    app = make_app(url)
    seed(app)
    client = app.test_client()
    office = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    task_ids = []
    for _ in range(rounds + 5):
        body = client.post(
            "/api/v1/process-instances", headers=office, json={"process_key": "bench_two_steps"}
        ).get_json()
        task_ids.append(body["tasks"][0]["id"])
    samples, sent = [], [0]

    def count(*_args: object) -> None:
        sent[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    for task_id in task_ids:
        sent[0] = 0
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/tasks/{task_id}/complete",
            headers=office,
            json={"data": {"title": "基准", "score": 80}},
        )
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
        if statements is not None:
            statements.append(sent[0])
    event.remove(engine, "before_cursor_execute", count)
    return samples[5:]  # the first calls warm caches


def _row(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run every measurement and print them with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller inbox")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-inbox", action="store_true")
    args = parser.parse_args(argv)
    rounds = 60 if args.quick else 300
    results: dict[str, float] = {}
    statements: dict[str, list[int]] = {"sqlite": [], "postgres": []}
    measure: list[tuple[str, Callable[[], list[float]]]] = [
        ("spiff_alone_ms", lambda: spiff_alone(rounds)),
        ("api_sqlite_ms", lambda: through_api(sqlite_url(), rounds, statements["sqlite"])),
        ("api_postgres_ms", lambda: through_api(postgres_url(), rounds, statements["postgres"])),
    ]
    print("Jixiao engine benchmark (medians; 2-core machine)")
    for name, run in measure:
        results[name] = _median_ms(run())
        _row(name, f"{results[name]:8.2f} ms")
    for label, counts in statements.items():
        results[f"statements_{label}"] = statistics.median(counts)
        _row(f"SQL statements per completion, {label}", f"{results[f'statements_{label}']:8.0f}")
    for name in ("api_sqlite_ms", "api_postgres_ms"):
        results[name.replace("_ms", "_ratio")] = results[name] / results["spiff_alone_ms"]
        _row(
            f"{name} / spiff_alone_ms (target <= 5)",
            f"{results[name.replace('_ms', '_ratio')]:8.2f}",
        )
    if not args.skip_server:
        results["server_completions_per_s"] = server_throughput(
            postgres_url("jixiao_bench_server"), 300 if args.quick else 1500
        )
        _row(
            "completions/s, gunicorn 2 workers, PostgreSQL (target >= 150)",
            f"{results['server_completions_per_s']:8.1f}",
        )
    inboxes = (
        []
        if args.skip_inbox
        else [("sqlite", sqlite_url()), ("postgres", postgres_url("jixiao_bench_inbox"))]
    )
    for label, url in inboxes:
        p95 = inbox_p95(url, 20_000 if args.quick else 100_000)
        results[f"inbox_p95_{label}_ms"] = p95
        _row(
            f"inbox p95 with {'20k' if args.quick else '100k'} open tasks, {label} (target <= 50)",
            f"{p95:8.2f} ms",
        )
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    return results


if __name__ == "__main__":
    main()
