"""Loop benchmark (issue 17 §1): a user task that comes round in a loop (review an item, count,
more? → back), completed through the in-process API on SQLite. Prints the completion time at
round 1 (median over fresh instances) and at round 1,000 (median of the rounds up to it, on one
instance; the samples alternate), their ratio (target: at most 2×) and the saved state's size at
both points.

Run: `.venv/bin/python -m bench.loops [--samples N] [--postgres]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app.extensions import db
from app.workflow.models import ProcessInstance
from bench.setup import deploy_as_owner, make_app, postgres_url, seed, sqlite_url

DIAGRAM = Path(__file__).resolve().parent.parent / "tests" / "diagrams" / "review_loop.bpmn"
TARGET_ROUND = 1000


def _start(client: FlaskClient, office: dict[str, str], rounds: int) -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances",
        headers=office,
        json={"process_key": "review_loop", "data": {"rounds": rounds}},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def _complete(
    client: FlaskClient, office: dict[str, str], shown: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    """Complete the instance's one open task: the seconds it took and the instance after."""
    [task] = shown["tasks"]
    started = time.perf_counter()
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=office, json={})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.get_json()
    return elapsed, response.get_json()["instance"]


def _state_bytes(instance_id: int) -> int:
    db.session.expire_all()
    row = db.session.get(ProcessInstance, instance_id)
    return len(row.state_json) if row is not None else 0


def measure(url: str, samples: int) -> dict[str, float]:
    """Medians (ms) at round 1 and round 1,000, and the state sizes (bytes) there. The samples of
    both alternate (one fresh instance's first completion, then the next round of the long one),
    so on a shared machine whose speed drifts both medians come from the same minutes."""
    app = make_app(url)
    seed(app)
    client = app.test_client()
    office = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    with app.app_context():
        _complete(client, office, _start(client, office, 3))  # warm the caches
        long = _start(client, office, TARGET_ROUND + 10)
        for _round in range(TARGET_ROUND - samples):
            _elapsed, long = _complete(client, office, long)
        first, later = [], []
        for _sample in range(samples):
            elapsed, fresh = _complete(client, office, _start(client, office, TARGET_ROUND))
            first.append(elapsed)
            elapsed, long = _complete(client, office, long)
            later.append(elapsed)
        return {
            "round_1_ms": statistics.median(first) * 1000,
            "round_1000_ms": statistics.median(later) * 1000,
            "state_1_bytes": _state_bytes(fresh["id"]),
            "state_1000_bytes": _state_bytes(long["id"]),
        }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=7, help="completions per median")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args(argv)
    url = postgres_url("jixiao_bench_loops") if args.postgres else sqlite_url()
    figures = measure(url, args.samples)
    ratio = figures["round_1000_ms"] / figures["round_1_ms"]
    print(f"user-task loop through the API ({'PostgreSQL' if args.postgres else 'SQLite'})")
    print(f"  round 1:     {figures['round_1_ms']:7.2f} ms   state {figures['state_1_bytes']:,} B")
    print(
        f"  round 1,000: {figures['round_1000_ms']:7.2f} ms   "
        f"state {figures['state_1000_bytes']:,} B"
    )
    print(f"  ratio:       {ratio:7.2f}×   (target ≤ 2×)")
    return figures | {"ratio": ratio}


if __name__ == "__main__":
    main()
