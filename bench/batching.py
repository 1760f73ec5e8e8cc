"""Does the hand-written write batching earn its place? (issue 17 §5)

A completion's writes go through `app.db_batch`: on PostgreSQL a step's writes are sent in one
psycopg pipeline, and the audit chain's in another at the commit. This benchmark completes the
same task through the HTTP API (in-process WSGI, the real database) in two modes, in
alternating blocks so that both medians come from the same minutes of a shared machine:

  batched      as shipped: each batch in one pipeline;
  one_by_one   no pipeline: every statement waits for its answer, as plain SQLAlchemy Core would.

(A third mode, the step's writes left to the commit to share the audit's round trip, measured
0.92, 1.02 and 0.97 times the shipped time in three runs on 2026-12-04: no gain on this machine,
so it was removed.)

It prints the medians, the ratios to `batched` and SpiffWorkflow alone measured in the same run.

Run: `.venv/bin/python -m bench.batching [--rounds N] [--database sqlite|postgresql|both]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask.testing import FlaskClient

from app import db_batch
from bench.engine import SpiffAlone
from bench.setup import DIAGRAM, deploy_as_owner, make_app, postgres_url, seed, sqlite_url

MODES = ("batched", "one_by_one")
BLOCK = 10


def _one_by_one(connection: Any, writes: list[Any]) -> list[int]:
    return [db_batch._one_by_one(connection, write) for write in writes]


@contextlib.contextmanager
def mode(name: str) -> Iterator[None]:
    """Switch the pipeline off for `one_by_one`."""
    pipelined = db_batch._pipelined
    if name == "one_by_one":
        db_batch._pipelined = _one_by_one  # type: ignore[assignment]
    try:
        yield
    finally:
        db_batch._pipelined = pipelined


def _open_tasks(client: FlaskClient, office: dict[str, str], count: int) -> list[str]:
    ids = []
    for _ in range(count):
        body = client.post(
            "/api/v1/process-instances", headers=office, json={"process_key": "bench_two_steps"}
        ).get_json()
        ids.append(body["tasks"][0]["id"])
    return ids


def _complete(client: FlaskClient, office: dict[str, str], task_id: str) -> float:
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        headers=office,
        json={"data": {"title": "基准", "score": 80}},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_json()
    return elapsed


def measure(url: str, rounds: int, alone: SpiffAlone) -> dict[str, list[float]]:
    """Seconds per completion in each mode, and SpiffWorkflow alone, in alternating blocks."""
    app = make_app(url)
    seed(app)
    client = app.test_client()
    office = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    samples: dict[str, list[float]] = {name: [] for name in (*MODES, "spiff_alone")}
    for name in MODES:  # warm every path once
        with mode(name):
            for task_id in _open_tasks(client, office, 3):
                _complete(client, office, task_id)
    blocks = max(1, rounds // BLOCK)
    for _ in range(blocks):
        for name in MODES:
            task_ids = _open_tasks(client, office, BLOCK)
            with mode(name):
                samples[name] += [_complete(client, office, task_id) for task_id in task_ids]
        samples["spiff_alone"] += [alone.sample() for _ in range(BLOCK)]
    return samples


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="completions per mode")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    targets: list[tuple[str, Callable[[], str]]] = []
    if args.database in ("sqlite", "both"):
        targets.append(("sqlite", sqlite_url))
    if args.database in ("postgresql", "both"):
        targets.append(("postgresql", lambda: postgres_url("jixiao_bench_batching")))
    alone = SpiffAlone()
    results: dict[str, float] = {}
    print("Write batching: API completion medians per mode (same minutes, alternating blocks)")
    for label, url in targets:
        samples = measure(url(), args.rounds, alone)
        base = _median_ms(samples["batched"])
        raw = _median_ms(samples["spiff_alone"])
        print(f"  {label}: SpiffWorkflow alone {raw:6.2f} ms")
        for name in MODES:
            median = _median_ms(samples[name])
            results[f"{label}_{name}_ms"] = median
            print(
                f"    {name:<13} {median:7.2f} ms   ÷ batched {median / base:5.2f}"
                f"   ÷ SpiffWorkflow alone {median / raw:5.2f}"
            )
        results[f"{label}_spiff_alone_ms"] = raw
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))
    return results


if __name__ == "__main__":
    main()
