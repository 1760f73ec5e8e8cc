"""Public ratings per second through gunicorn (2 workers) on PostgreSQL, next to a plain JSON
endpoint of the same app (`GET /api/v1/units`) in the same run, with p95 latencies.

    python -m bench.ratings [--ratings 2000] [--units 79]

Each simulated phone first opens the rating page (cookie and form token, not timed), then the
timed phase posts the ratings from 8 client threads. The server trusts one proxy hop, and each
phone sends its own X-Forwarded-For, so the per-address limits see many clients as in the field.
Issue 12's target: ratings at least 50 % of the plain endpoint's rate, p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.org.models import Unit
from bench.server import _free_port
from bench.setup import PASSWORD, make_app, postgres_url, seed

ROOT = Path(__file__).resolve().parent.parent
CLIENT_THREADS = 8
# Rate-limit counters of the production-config server: the local Redis, database 14 (benchmarks)
LOCAL_REDIS = os.environ.get("JIXIAO_BENCH_REDIS", "redis://127.0.0.1:6379/14")
HIDDEN = re.compile(r'<input type="hidden" name="form_token" value="([^"]+)"')


def _call(
    port: int, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]
) -> tuple[int, http.client.HTTPResponse, bytes, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, response, payload, elapsed


def _tokens(url: str, units: int) -> list[str]:
    app = make_app(url)
    seed(app, units=units)
    with app.app_context():
        tokens = list(db.session.execute(select(Unit.rating_token).order_by(Unit.id)).scalars())
        db.session.remove()
        db.engine.dispose()
    return tokens


def _start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JIXIAO_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "JIXIAO_DATA_KEYS": "bench:" + "0" * 32,
        "JIXIAO_SCHEDULER": "off",
        # production refuses memory:// (per worker); the local Redis, a database of its own
        "RATELIMIT_STORAGE_URI": LOCAL_REDIS,
        "JIXIAO_TRUSTED_PROXIES": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while True:
        try:
            _call(port, "GET", "/api/v1/openapi.json", headers={})
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                raise
            time.sleep(0.2)


def _open_page(port: int, token: str, phone: int) -> dict[str, str]:
    """What a phone holds after opening the page: its address, cookie and form token."""
    address = f"10.{phone // 65536 % 256}.{phone // 256 % 256}.{phone % 256}"
    headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
    status, response, payload, _elapsed = _call(port, "GET", f"/rate/{token}", headers=headers)
    assert status == 200, status
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    match = HIDDEN.search(payload.decode())
    assert match, "no form token"
    return {"token": token, "address": address, "cookie": cookie, "form_token": match.group(1)}


def _post_rating(port: int, phone: dict[str, str]) -> tuple[int, float]:
    body = f"form_token={phone['form_token']}&level=5&comment=".encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": phone["cookie"],
        "X-Forwarded-For": phone["address"],
        "X-Forwarded-Proto": "https",
    }
    status, _response, _payload, elapsed = _call(
        port, "POST", f"/rate/{phone['token']}", body=body, headers=headers
    )
    return status, elapsed


def _list_units(port: int, bearer: dict[str, str]) -> tuple[int, float]:
    status, _response, _payload, elapsed = _call(port, "GET", "/api/v1/units", headers=bearer)
    return status, elapsed


def _timed(work: list[object], run: object) -> tuple[float, float, list[int]]:
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        results = list(pool.map(run, work))  # type: ignore[call-overload]
    elapsed = time.perf_counter() - started
    latencies = sorted(r[1] for r in results)
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 20 else latencies[-1]
    return len(work) / elapsed, p95 * 1000, [r[0] for r in results]


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run both loads against one server and print the rates and p95 latencies as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ratings", type=int, default=2000)
    parser.add_argument("--units", type=int, default=79)
    args = parser.parse_args(argv)
    url = postgres_url("jixiao_bench_ratings")
    tokens = _tokens(url, args.units)
    port = _free_port()
    server = _start_server(url, port)
    try:
        body = json.dumps({"username": "office", "password": PASSWORD}).encode()
        _s, _r, payload, _e = _call(
            port,
            "POST",
            "/api/v1/auth/token",
            body=body,
            headers={"Content-Type": "application/json"},
        )
        bearer = {"Authorization": f"Bearer {json.loads(payload)['token']}"}
        with ThreadPoolExecutor(CLIENT_THREADS) as pool:
            phones = list(
                pool.map(
                    lambda n: _open_page(port, tokens[n % len(tokens)], n), range(args.ratings)
                )
            )
        plain_rate, plain_p95, plain_statuses = _timed(
            list(range(args.ratings)),
            lambda _n: _list_units(port, bearer),
        )
        rating_rate, rating_p95, statuses = _timed(phones, lambda p: _post_rating(port, p))
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "plain_json_per_second": round(plain_rate, 1),
        "plain_json_p95_ms": round(plain_p95, 1),
        "ratings_per_second": round(rating_rate, 1),
        "ratings_p95_ms": round(rating_p95, 1),
        "ratio": round(rating_rate / plain_rate, 3),
        "accepted": statuses.count(303),
        "refused": len(statuses) - statuses.count(303),
        "plain_errors": len(plain_statuses) - plain_statuses.count(200),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
