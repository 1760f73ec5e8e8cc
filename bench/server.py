"""(c) Completions per second through gunicorn with 2 workers."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.setup import DIAGRAM, PASSWORD, deploy_as_owner, make_app, seed

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 8


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


def server_throughput(url: str, count: int) -> float:
    """Complete `count` tasks through gunicorn (2 sync workers) from 8 client threads."""
    task_ids = _prepare(url, count)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JIXIAO_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "JIXIAO_SCHEDULER": "off",
    }
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
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _request(port, "GET", "/api/v1/openapi.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        _status, body = _request(
            port, "POST", "/api/v1/auth/token", {"username": "office", "password": PASSWORD}
        )
        token = body["token"]  # type: ignore[index]

        def complete(task_id: str) -> int:
            return _request(
                port,
                "POST",
                f"/api/v1/tasks/{task_id}/complete",
                {"data": {"title": "基准", "score": 80}},
                token,
            )[0]

        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            statuses = list(pool.map(complete, task_ids))
        elapsed = time.perf_counter() - started
        assert statuses.count(200) == len(task_ids), {s: statuses.count(s) for s in set(statuses)}
        return len(task_ids) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)
