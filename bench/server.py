"""(c) Completions per second through gunicorn with 2 workers."""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.setup import DIAGRAM, PASSWORD, deploy_as_owner, make_app, seed

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 8
# Rate-limit counters of the production-config server: the local Redis, database 14 (benchmarks)
LOCAL_REDIS = os.environ.get("JIXIAO_BENCH_REDIS", "redis://127.0.0.1:6379/14")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(
        method, path, body=json.dumps(body) if body is not None else None, headers=headers
    )
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload) if payload else None


def _prepare(url: str, count: int) -> list[str]:
    app = make_app(url)
    seed(app)
    client = app.test_client()
    headers = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    return [
        client.post(
            "/api/v1/process-instances", headers=headers, json={"process_key": "bench_two_steps"}
        ).get_json()["tasks"][0]["id"]
        for _ in range(count)
    ]


@dataclass
class ServerFigures:
    """What one gunicorn run measured: the rate from 8 client threads, and latencies."""

    per_second: float
    single_median_ms: float
    loaded_median_ms: float
    loaded_p99_ms: float


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def _serve(module: str, url: str | None) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {
        **os.environ,
        "JIXIAO_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "JIXIAO_DATA_KEYS": "bench:" + "0" * 32,
        "JIXIAO_SCHEDULER": "off",
        # production refuses memory:// (per worker); the local Redis, a database of its own
        "RATELIMIT_STORAGE_URI": LOCAL_REDIS,
    }
    if url:
        env["DATABASE_URL"] = url
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            module,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            _request(port, "GET", "/api/v1/openapi.json")
            return server, port
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise
            time.sleep(0.2)


def _measure(port: int, task_ids: list[str], token: str | None) -> ServerFigures:
    """One client completes the first tenth back to back; then 8 threads complete the rest."""
    body = {"data": {"title": "基准", "score": 80}}

    def complete(task_id: str) -> float:
        started = time.perf_counter()
        status = _request(port, "POST", f"/api/v1/tasks/{task_id}/complete", body, token)[0]
        assert status == 200, status
        return time.perf_counter() - started

    single_count = max(20, len(task_ids) // 10)
    single = [complete(task_id) for task_id in task_ids[:single_count]]
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        loaded = list(pool.map(complete, task_ids[single_count:]))
    elapsed = time.perf_counter() - started
    return ServerFigures(
        per_second=len(loaded) / elapsed,
        single_median_ms=statistics.median(single) * 1000,
        loaded_median_ms=statistics.median(loaded) * 1000,
        loaded_p99_ms=_percentile(loaded, 0.99),
    )


def server_throughput(url: str, count: int) -> ServerFigures:
    """Complete `count` tasks through gunicorn (2 sync workers) on `url`."""
    task_ids = _prepare(url, count)
    server, port = _serve("wsgi:app", url)
    try:
        _status, body = _request(
            port, "POST", "/api/v1/auth/token", {"username": "office", "password": PASSWORD}
        )
        return _measure(port, task_ids, body["token"])  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=30)


def bare_app_throughput(count: int) -> ServerFigures:
    """The same requests answered by a bare Flask app under the same gunicorn settings."""
    server, port = _serve("bench.bare_app:app", None)
    try:
        return _measure(port, [str(number) for number in range(count)], None)
    finally:
        server.terminate()
        server.wait(timeout=30)
