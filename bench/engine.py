"""Engine benchmark (issue 3): one run measures, on the same diagram,

  (a) SpiffWorkflow alone, in-process: load a saved instance, complete a user task, run, save;
  (b) the same completion through the HTTP API (auth, lock, inbox update, audit, commit),
      in-process through the WSGI app, on SQLite and on PostgreSQL;
  (c) completions per second through a real server (gunicorn, 2 workers) on PostgreSQL;
  (d) the inbox listing with 100,000 open tasks in the database, p95;
  (e) 10,000 timers falling due at once, fired by one scheduler process, then by two.

Run: `make bench` or `.venv/bin/python -m bench.engine [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event

from app import db_batch
from app.extensions import db
from bench.inbox import inbox_p95
from bench.server import bare_app_throughput, server_throughput
from bench.setup import DIAGRAM, deploy_as_owner, make_app, postgres_url, seed, sqlite_url
from bench.timers import timers_due_at_once


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


class SpiffAlone:
    """(a): deserialize a saved instance, complete `fill`, run the engine, serialize, with one
    serializer kept for every sample, as an integration would keep one (building one per sample
    made this baseline about 40 % slower and so flattered the ratio)."""

    def __init__(self) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DIAGRAM))
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        workflow = BpmnWorkflow(parser.get_spec("bench_two_steps"))
        workflow.do_engine_steps()
        self.saved = self.serializer.serialize_json(workflow)

    def sample(self) -> float:
        """The seconds one completion takes."""
        started = time.perf_counter()
        loaded = self.serializer.deserialize_json(self.saved)
        task = loaded.get_next_task(state=TaskState.READY, manual=True)
        task.data.update({"title": "基准", "score": 80})
        task.run()
        loaded.do_engine_steps()
        self.serializer.serialize_json(loaded)
        return time.perf_counter() - started


class AppEngineAlone:
    """The application's own engine work for the same completion, without HTTP or database: its
    `load_workflow` (spec cached, state only), the sandboxed script engine, complete, run,
    `dump_workflow`. The API's cost beyond this is what the shell adds."""

    def __init__(self, app: Flask) -> None:
        from app.calendar.services import working_calendar
        from app.workflow.instances.serialization import (
            SPIFF,
            dump_spec,
            dump_workflow,
            load_workflow,
        )
        from app.workflow.scripting.environment import SandboxEnvironment, SandboxScriptEngine

        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DIAGRAM))
        self.spec_json = dump_spec(SPIFF, parser.get_spec("bench_two_steps"), {})
        with app.app_context():
            calendar = working_calendar(db.session)
        self.engine = SandboxScriptEngine(environment=SandboxEnvironment(calendar))
        workflow = load_workflow(SPIFF, self.spec_json, cache_key="bench")
        workflow.script_engine = self.engine
        workflow.do_engine_steps()
        self.saved = dump_workflow(SPIFF, workflow)
        self._load, self._dump = load_workflow, dump_workflow
        self._dialect = SPIFF

    def sample(self) -> float:
        started = time.perf_counter()
        loaded = self._load(self._dialect, self.spec_json, self.saved, cache_key="bench")
        loaded.script_engine = self.engine
        task = loaded.get_next_task(state=TaskState.READY, manual=True)
        task.data.update({"title": "基准", "score": 80})
        task.run()
        loaded.refresh_timers()
        loaded.do_engine_steps()
        self._dump(self._dialect, loaded)
        return time.perf_counter() - started


BLOCK = 10


@dataclass
class Paired:
    """API completions and SpiffWorkflow-alone completions measured in alternating blocks of ten:
    on a shared machine whose speed drifts, both medians come from the same minutes. Within a
    block, (a) runs back to back with warm caches, as it would alone: one sample of (a) after
    each API call would run cold and take about twice as long, flattering the ratio."""

    api: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)
    app_engine: list[float] = field(default_factory=list)
    waits: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.api) / statistics.median(self.alone)


def through_api(url: str, rounds: int, alone: SpiffAlone) -> Paired:
    """(b): POST /api/v1/tasks/<id>/complete through the WSGI app, one task per instance, in
    blocks alternating with blocks of (a); counts the waits for the database per completion."""
    app = make_app(url)
    seed(app)
    app_engine = AppEngineAlone(app)
    client = app.test_client()
    office = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    task_ids = []
    warm_up = 5
    for _ in range(rounds + warm_up):
        body = client.post(
            "/api/v1/process-instances", headers=office, json={"process_key": "bench_two_steps"}
        ).get_json()
        task_ids.append(body["tasks"][0]["id"])
    paired, sent = Paired(), [0]

    def count(*_args: object) -> None:
        sent[0] += 1

    def pipelined(connection: Any, writes: Any) -> list[int]:
        sent[0] += 1
        return send_pipelined(connection, writes)

    send_pipelined = db_batch._pipelined
    db_batch._pipelined = pipelined  # a pipeline is one wait for the server, like one statement
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    for number, task_id in enumerate(task_ids):
        sent[0] = 0
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/tasks/{task_id}/complete",
            headers=office,
            json={"data": {"title": "基准", "score": 80}},
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.get_json()
        if number >= warm_up:  # the first calls warm caches
            paired.api.append(elapsed)
            paired.waits.append(sent[0])
        if number >= warm_up and (number - warm_up) % BLOCK == BLOCK - 1:
            paired.alone.extend(alone.sample() for _ in range(BLOCK))
            paired.app_engine.extend(app_engine.sample() for _ in range(BLOCK))
    event.remove(engine, "before_cursor_execute", count)
    db_batch._pipelined = send_pipelined
    return paired


def _row(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run every measurement and print them with their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller inbox")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument("--skip-timers", action="store_true")
    args = parser.parse_args(argv)
    rounds = 60 if args.quick else 300
    results: dict[str, float] = {}
    alone = SpiffAlone()
    print("Jixiao engine benchmark (medians; 2-core machine)")
    results["spiff_alone_ms"] = _median_ms([alone.sample() for _ in range(rounds)])
    _row("spiff_alone_ms", f"{results['spiff_alone_ms']:8.2f} ms")
    for label, url in (("sqlite", sqlite_url()), ("postgres", postgres_url())):
        paired = through_api(url, rounds, alone)
        results[f"api_{label}_ms"] = _median_ms(paired.api)
        results[f"spiff_alone_during_{label}_ms"] = _median_ms(paired.alone)
        results[f"api_{label}_ratio"] = paired.ratio
        results[f"waits_{label}"] = statistics.median(paired.waits)
        _row(f"api_{label}_ms", f"{results[f'api_{label}_ms']:8.2f} ms")
        results[f"app_engine_during_{label}_ms"] = _median_ms(paired.app_engine)
        _row(
            "  spiff_alone_ms, measured between those",
            f"{results[f'spiff_alone_during_{label}_ms']:8.2f} ms",
        )
        _row(
            "  the app's engine work alone (load, complete, run, dump)",
            f"{results[f'app_engine_during_{label}_ms']:8.2f} ms",
        )
        _row("  ratio (target <= 5)", f"{paired.ratio:8.2f}")
        _row(
            "  waits for the database per completion (a pipeline counts as one)",
            f"{results[f'waits_{label}']:8.0f}",
        )
    if not args.skip_server:
        count = 300 if args.quick else 1500
        server = server_throughput(postgres_url("jixiao_bench_server"), count)
        bare = bare_app_throughput(count)
        raw_ms = results["spiff_alone_during_postgres_ms"]
        results |= {
            "server_single_ms": server.single_median_ms,
            "server_single_ratio": server.single_median_ms / raw_ms,
            "server_completions_per_s": server.per_second,
            "bare_app_per_s": bare.per_second,
            "server_share_of_bare": server.per_second / bare.per_second,
            "server_loaded_median_ms": server.loaded_median_ms,
            "server_loaded_p99_ms": server.loaded_p99_ms,
        }
        _row(
            "gunicorn 2 workers, PostgreSQL, one client: completion",
            f"{server.single_median_ms:8.2f} ms",
        )
        _row(
            "  ÷ SpiffWorkflow alone (issue 16 target <= 4)",
            f"{results['server_single_ratio']:8.2f}",
        )
        _row("completions/s, 8 client threads (target >= 150)", f"{server.per_second:8.1f}")
        _row("  bare Flask app, same gunicorn settings, /s", f"{bare.per_second:8.1f}")
        _row(
            "  share of the bare app (issue 16 target >= 0.30)",
            f"{results['server_share_of_bare']:8.2f}",
        )
        _row(
            "  latency under that load: median, p99 (target p99 <= 3x median)",
            f"{server.loaded_median_ms:8.2f} ms, {server.loaded_p99_ms:.2f} ms",
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
    if not args.skip_timers:
        count = 2_000 if args.quick else 10_000
        for schedulers in (1, 2):
            figures = timers_due_at_once(count, schedulers)
            results[f"timers_{schedulers}_scheduler_s"] = figures.seconds
            results[f"timers_{schedulers}_fired_twice"] = figures.twice
            results[f"timers_{schedulers}_missed"] = figures.missed
            target = " (target <= 15 s)" if schedulers == 1 and not args.quick else ""
            _row(
                f"{count:,} timers due at once, {schedulers} scheduler(s){target}",
                f"{figures.seconds:8.2f} s, fired twice {figures.twice}, missed {figures.missed}",
            )
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    return results


if __name__ == "__main__":
    main()
