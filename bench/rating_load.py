"""The public rating page under load (SECURITY.md S15): a real gunicorn (deploy/gunicorn.conf.py)
with its rate limits in Redis, on PostgreSQL, driven from many client addresses and devices.

    python -m bench.rating_load [--rate 200] [--addresses 50] [--devices 1000] [--duration 600]
                                [--nginx] [--trust-forwarded]

Every client address is a real one: the loopback network is 127.0.0.0/8, so each simulated
address binds its sockets to its own 127.0.0.x and the server sees that address. By default one
gunicorn node runs with no proxy in front (JIXIAO_TRUSTED_PROXIES=0), so X-Forwarded-For is only
the client's claim. With `--nginx`, deploy/nginx/jixiao.conf as shipped (TLS, ports and paths put
in) stands in front of two gunicorn nodes that trust one hop, as in production: nginx overwrites
X-Forwarded-For with the address it saw. `--trust-forwarded` is a control: one node trusting the
header with nothing in front, the misconfiguration that lets forgers through.

The addresses play four parts:
- legitimate (all but ten): people opening the page (GET) and rating (GET, then POST the form),
  each address below the per-address limit, each device rating each unit at most once;
- device flooders (2 devices, each alternating between 2 addresses): one device rating far
  faster than the per-device limit, each of its addresses below the per-address limit;
- address flooders (3): many devices behind one address, together far above its limit;
- forgers (3): the same, each request with a new X-Forwarded-For, X-Real-IP and Forwarded, as if
  from another client: they must be held to the same limit as the flooders.
Page views fill the legitimate addresses' share up to the requested total rate.

Printed: the legitimate traffic's p50/p95/p99 (none of it refused also shows that the server
told the addresses apart: together they are far over one address's limit), errors (a server
error, a failed connection, or a legitimate request answered anything but 200/303), the 429s by
the limit that gave them (from X-RateLimit-Limit) per device and per address, and what each
flooder and forger got accepted against what the limit allows.

The tool is a small threaded generator rather than Locust (which installs cleanly): it needs its
own source address per client and its per-key 429 accounting, and it runs inside the test suite
(tests/test_rating_load.py), where gevent's monkey-patching cannot.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = re.compile(r'<input type="hidden" name="form_token" value="([^"]+)"')
COOKIE = "__Host-jx_rater"  # production's name (Secure cookies)
# Rate-limit counters when no redis-server can be started here: the local Redis, database 14
LOCAL_REDIS = os.environ.get("JIXIAO_BENCH_REDIS", "redis://127.0.0.1:6379/14")
LEGIT_SHARE_OF_LIMIT = 0.8  # how close each legitimate address comes to its limit
DEVICE_FLOOD_FACTOR = 1.8  # a flooding device, against the per-device limit
ADDRESS_FLOOD_FACTOR = 3.0  # a flooding address (and a forger), against the per-address limit
LEGIT_OK = {200, 303}
ABUSE_OK = {200, 303, 409, 429}  # 409: this device already rated this unit today


@dataclass(frozen=True)
class Limits:
    """The rating limits the server runs with: `client` and `device` ratings per `window`."""

    client: int = 30
    device: int = 20
    window: int = 60
    unit: int = 600

    def __post_init__(self) -> None:
        if self.client == self.device:
            raise ValueError("a 429's X-RateLimit-Limit tells the limits apart by their amounts")

    def env(self) -> dict[str, str]:
        """The server's environment for these limits."""
        return {
            "RATING_LIMIT_PER_CLIENT": f"{self.client} per {self.window} second",
            "RATING_LIMIT_PER_DEVICE": f"{self.device} per {self.window} second",
            "RATING_LIMIT_PER_UNIT": f"{self.unit} per {self.window} second",
        }

    def cap(self, amount: int, duration: float) -> int:
        """The most a key can have accepted in `duration` seconds (fixed windows from its first
        hit; one window more for the one a run may end in)."""
        return amount * (math.ceil(duration / self.window) + 1)


@dataclass(frozen=True)
class Plan:
    """One load run."""

    rate: float = 200.0
    addresses: int = 50
    devices: int = 1000
    duration: float = 600.0
    units: int = 79
    device_flooders: int = 2
    address_flooders: int = 3
    forgers: int = 3
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Target:
    """Where the clients connect: gunicorn itself, or nginx over TLS."""

    port: int
    tls: ssl.SSLContext | None = None

    def connect(self, source: str | None = None) -> http.client.HTTPConnection:
        """A new connection from `source` (a loopback address), not yet opened."""
        bind = (source, 0) if source else None
        if self.tls is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, 30, bind)
        return http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=30, source_address=bind, context=self.tls
        )


@dataclass
class Client:
    """One source address and what it does."""

    role: str  # legit, device_flood, address_flood, forger
    address: str
    devices: list[int]
    attempt_interval: float
    view_interval: float | None = None


@dataclass(frozen=True)
class Sample:
    """One request's outcome."""

    role: str
    address: str
    device: int
    kind: str  # view, page, post
    status: int  # 0: no answer (connection failed, timed out)
    seconds: float
    limit: str | None  # X-RateLimit-Limit of a 429


def clients(plan: Plan) -> list[Client]:
    """The addresses and their parts; devices dealt out so none is shared between parts."""
    abusive = 2 * plan.device_flooders + plan.address_flooders + plan.forgers
    legit_count = plan.addresses - abusive
    if legit_count < 1 or plan.addresses > 250:
        raise SystemExit(f"--addresses must be between {abusive + 1} and 250")
    limits = plan.limits
    addresses = (f"127.0.0.{n}" for n in itertools.count(2))
    devices = iter(range(plan.devices))
    result: list[Client] = []
    for _n in range(plan.device_flooders):
        device = next(devices)
        interval = limits.window / (limits.device * DEVICE_FLOOD_FACTOR) * 2
        result += [Client("device_flood", next(addresses), [device], interval) for _ in (1, 2)]
    abuser_devices = max(1, (plan.devices - plan.device_flooders) // (2 * legit_count + 1))
    flood_interval = limits.window / (limits.client * ADDRESS_FLOOD_FACTOR)
    for role, count in (("address_flood", plan.address_flooders), ("forger", plan.forgers)):
        for _n in range(count):
            taken = list(itertools.islice(devices, abuser_devices))
            result.append(Client(role, next(addresses), taken, flood_interval))
    rest = list(devices)
    legit_interval = limits.window / (limits.client * LEGIT_SHARE_OF_LIMIT)
    fixed = sum((1 if c.role != "legit" else 2) / c.attempt_interval for c in result)
    fixed += 2 * legit_count / legit_interval  # a legitimate rating is a GET and a POST
    views = max(0.0, plan.rate - fixed) / legit_count
    for n in range(legit_count):
        result.append(
            Client(
                "legit",
                next(addresses),
                rest[n::legit_count] or [n],
                legit_interval,
                1 / views if views > 0 else None,
            )
        )
    return result


class Loader:
    """Runs the clients against one server and gathers their samples."""

    def __init__(self, target: Target, secret: str, tokens: list[str], plan: Plan) -> None:
        self.target, self.secret, self.tokens, self.plan = target, secret, tokens, plan
        self._connections: dict[str, http.client.HTTPConnection] = {}  # one a client thread
        self.device_ids = [secrets.token_urlsafe(18) for _ in range(plan.devices)]
        self._next_unit = [
            itertools.count(random.randrange(len(tokens))) for _ in range(plan.devices)
        ]
        self._lock = threading.Lock()

    def cookie(self, device: int) -> str:
        """The device's cookie, as the page set it when the device first opened it."""
        from app.evaluations.ratings.identity import sign_device_id

        return f"{COOKIE}={sign_device_id(self.secret, self.device_ids[device])}"

    def unit_for(self, device: int) -> str:
        """The next unit this device has not rated (in turn through all of them)."""
        with self._lock:
            return self.tokens[next(self._next_unit[device]) % len(self.tokens)]

    def _send(
        self, client: Client, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, float, str | None, bytes]:
        """One request on the client's kept-alive connection (gunicorn's sync workers close it
        after each answer, nginx keeps it); a kept connection the server closed meanwhile is
        reopened once, as a browser does."""
        started = time.perf_counter()
        for fresh in (False, True):
            connection = self._connections.get(client.address)
            if connection is None or fresh:
                if connection is not None:
                    connection.close()
                connection = self.target.connect(client.address)
                self._connections[client.address] = connection
            reused = connection.sock is not None
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except OSError:
                connection.close()
                if reused and not fresh:
                    continue
                return 0, time.perf_counter() - started, None, b""
            limit = response.getheader("X-RateLimit-Limit")
            return response.status, time.perf_counter() - started, limit, payload
        raise AssertionError("unreachable")

    def _forged(self) -> dict[str, str]:
        fake = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        return {"X-Forwarded-For": fake, "X-Real-IP": fake, "Forwarded": f"for={fake}"}

    def attempt(self, client: Client, device: int, samples: list[Sample]) -> None:
        """One rating: a legitimate device opens the page and posts its form; an abuser posts a
        form token it computed (as a script would, having opened the page once)."""
        from app.evaluations.ratings.identity import form_token

        token = self.unit_for(device)
        headers = {"Cookie": self.cookie(device)}
        if client.role == "legit":
            status, seconds, limit, page = self._send(client, "GET", f"/rate/{token}", headers)
            samples.append(
                Sample(client.role, client.address, device, "page", status, seconds, limit)
            )
            found = HIDDEN.search(page.decode(errors="replace"))
            if status != 200 or found is None:
                return
            form = found.group(1)
        else:
            form = form_token(self.secret, self.device_ids[device], token)
        if client.role == "forger":
            headers.update(self._forged())
        body = urllib.parse.urlencode({"form_token": form, "level": "5", "comment": ""}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, seconds, limit, _page = self._send(client, "POST", f"/rate/{token}", headers, body)
        samples.append(Sample(client.role, client.address, device, "post", status, seconds, limit))

    def view(self, client: Client, samples: list[Sample]) -> None:
        """Someone opening a unit's page without rating."""
        device = random.choice(client.devices)
        token = random.choice(self.tokens)
        headers = {"Cookie": self.cookie(device)}
        status, seconds, limit, _page = self._send(client, "GET", f"/rate/{token}", headers)
        samples.append(Sample(client.role, client.address, device, "view", status, seconds, limit))

    def run_client(self, client: Client, start: float, samples: list[Sample]) -> None:
        """The client's schedule: ratings at a steady pace measured from each one's start (a
        slow answer never makes the next two come closer), page views in between."""
        end = start + self.plan.duration
        next_attempt = start + random.uniform(0, client.attempt_interval)
        next_view = (
            start + random.uniform(0, client.view_interval) if client.view_interval else math.inf
        )
        devices = itertools.cycle(client.devices)
        while True:
            due = min(next_attempt, next_view)
            if due >= end:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            if next_attempt <= next_view:
                next_attempt = time.monotonic() + client.attempt_interval
                self.attempt(client, next(devices), samples)
            else:
                assert client.view_interval is not None
                next_view += client.view_interval
                self.view(client, samples)

    def run(self) -> tuple[list[Sample], float]:
        """Every client in its own thread for the plan's duration; the samples and the time."""
        plan_clients = clients(self.plan)
        per_client: list[list[Sample]] = [[] for _ in plan_clients]
        start = time.monotonic() + 0.2
        threads = [
            threading.Thread(target=self.run_client, args=(client, start, samples), daemon=True)
            for client, samples in zip(plan_clients, per_client, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        return [sample for samples in per_client for sample in samples], elapsed


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) < 20:
        return max(values)
    return statistics.quantiles(values, n=100)[round(fraction * 100) - 1]


def report(samples: list[Sample], elapsed: float, plan: Plan) -> dict[str, Any]:
    """The figures S15 asks for, as a dict (printed as JSON by `main`)."""
    limits = plan.limits
    names = {str(limits.client): "per_address", str(limits.device): "per_device"}
    legit = [s for s in samples if s.role == "legit"]
    latencies = [s.seconds * 1000 for s in legit]
    errors = [
        s
        for s in samples
        if s.status == 0
        or s.status >= 500
        or s.status not in (LEGIT_OK if s.role == "legit" else ABUSE_OK)
    ]
    refused_by: dict[str, Counter[str]] = defaultdict(Counter)
    for s in samples:
        if s.status == 429:
            which = names.get(s.limit or "", f"limit {s.limit}")
            key = f"device {s.device}" if which == "per_device" else s.address
            refused_by[which][key] += 1
    accepted: dict[str, Counter[str]] = defaultdict(Counter)
    attempts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in samples:
        if s.kind == "post" and s.role != "legit":
            key = f"device {s.device}" if s.role == "device_flood" else s.address
            attempts[s.role][key] += 1
            if s.status in (303, 409):
                accepted[s.role][key] += 1  # past every limit (409: rated that unit already)
    return {
        "requests": len(samples),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "legit_requests": len(legit),
        "legit_ratings_accepted": sum(1 for s in legit if s.kind == "post" and s.status == 303),
        "legit_p50_ms": round(_percentile(latencies, 0.50), 1),
        "legit_p95_ms": round(_percentile(latencies, 0.95), 1),
        "legit_p99_ms": round(_percentile(latencies, 0.99), 1),
        "legit_429": sum(1 for s in legit if s.status == 429),
        "errors": len(errors),
        "error_statuses": dict(Counter(f"{s.role} {s.kind} {s.status}" for s in errors)),
        "429_per_device": dict(refused_by["per_device"]),
        "429_per_address": dict(refused_by["per_address"]),
        "429_other": {k: dict(v) for k, v in refused_by.items() if k.startswith("limit")},
        "cap_per_device": limits.cap(limits.device, elapsed),
        "cap_per_address": limits.cap(limits.client, elapsed),
        "accepted": {role: dict(counts) for role, counts in accepted.items()},
        "attempts": {role: dict(counts) for role, counts in attempts.items()},
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(target: Target, path: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        connection = target.connect()
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered on port {target.port} within {seconds} s")
        time.sleep(0.1)


@dataclass
class Server:
    """What one run started: where to connect, the app's secret, the limits' storage, the
    gunicorn workers and the topology (`nginx` or `gunicorn`)."""

    target: Target
    secret: str
    storage: str
    workers: int
    topology: str


def nginx_binary() -> str | None:
    """The nginx of the Debian package, if installed."""
    return shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")


def _nginx_config(folder: Path, https_port: int, nodes: list[int]) -> Path:
    """deploy/nginx/jixiao.conf as shipped, with this run's ports and paths (IPv4 loopback)."""
    site = (ROOT / "deploy" / "nginx" / "jixiao.conf").read_text()
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{_free_port()};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "127.0.0.1:8001": f"127.0.0.1:{nodes[0]}",
        "127.0.0.1:8002": f"127.0.0.1:{nodes[1]}",
        "/etc/jixiao/tls/": f"{folder}/",
        "/opt/jixiao/": f"{ROOT}/",
    }
    for old, new in replacements.items():
        if old not in site:
            raise RuntimeError(f"deploy/nginx/jixiao.conf no longer contains {old!r}")
        site = site.replace(old, new)
    Path(folder, "site.conf").write_text(site)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", f"{folder}/jixiao.key", "-out", f"{folder}/jixiao.crt"],
        check=True, capture_output=True,
    )  # fmt: skip
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = Path(folder, "nginx.conf")
    main.write_text(
        f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
"""
    )
    return main


@contextmanager
def server(
    url: str,
    limits: Limits,
    probe: str,
    workers: int = 4,
    *,
    via_nginx: bool = False,
    trusted_proxies: int = 0,
) -> Iterator[Server]:
    """The app on `url` with Redis-backed limits (a Redis of its own, or the local one's
    database 14 when redis-server is not installed here): one gunicorn node with no proxy in
    front, or (`via_nginx`) deploy/'s nginx site over TLS in front of two nodes that trust one
    hop, as in production. `trusted_proxies` above 0 with no proxy in front is the
    misconfiguration a forger exploits (a control run)."""
    secret = secrets.token_hex(32)
    processes: list[subprocess.Popen[bytes]] = []
    with (
        tempfile.TemporaryDirectory(prefix="jixiao-load-") as folder,
        Path(folder, "server.log").open("ab") as log,
    ):

        def start(command: list[str], **env: str) -> None:
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )  # fmt: skip

        try:
            redis = shutil.which("redis-server")
            if redis:
                redis_port = _free_port()
                conf = str(ROOT / "deploy" / "redis" / "jixiao-ratelimit.conf")
                start([redis, conf, "--port", str(redis_port), "--bind", "127.0.0.1",
                       "--dir", folder, "--daemonize", "no"])  # fmt: skip
                storage = f"redis://127.0.0.1:{redis_port}/0"
            else:  # the local Redis (production refuses per-worker memory://), emptied of
                storage = LOCAL_REDIS  # an earlier run's counters: the limits start afresh
                Redis.from_url(storage).flushdb()
            app_env = {
                **limits.env(),
                "JIXIAO_ENV": "production",
                "SECRET_KEY": secret,
                "DATABASE_URL": url,
                "JIXIAO_DATA_KEYS": f"load:{secrets.token_hex(16)}",
                "JIXIAO_AUDIT_KEY": secrets.token_hex(32),
                "JIXIAO_UPLOAD_DIR": str(Path(folder, "uploads")),
                "JIXIAO_MFA_ROLES": "sysadmin,secadmin,auditor",
                "JIXIAO_SCHEDULER": "off",
                "JIXIAO_TRUSTED_PROXIES": "1" if via_nginx else str(trusted_proxies),
                "RATELIMIT_STORAGE_URI": storage,
                "JIXIAO_ACCESS_LOG": os.devnull,
                "JIXIAO_LOG_LEVEL": "warning",
            }
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
            nginx = nginx_binary() if via_nginx else None
            if nginx is not None:
                nodes, https_port = [_free_port(), _free_port()], _free_port()
                per_node = max(1, workers // 2)
                for node in nodes:
                    start([*gunicorn, "wsgi:app"], **app_env, JIXIAO_BIND=f"127.0.0.1:{node}",
                          JIXIAO_WEB_WORKERS=str(per_node))  # fmt: skip
                config = _nginx_config(Path(folder), https_port, nodes)
                start([nginx, "-c", str(config), "-p", folder, "-g", "daemon off;"])
                tls = ssl.create_default_context(cafile=f"{folder}/jixiao.crt")
                target, topology, workers = Target(https_port, tls), "nginx", per_node * 2
            else:
                port = _free_port()
                start([*gunicorn, "wsgi:app"], **app_env, JIXIAO_BIND=f"127.0.0.1:{port}",
                      JIXIAO_WEB_WORKERS=str(workers))  # fmt: skip
                target, topology = Target(port), "gunicorn"
            _wait_for(target, probe, 60)
            yield Server(target, secret, storage, workers, topology)
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def unit_tokens(url: str) -> list[str]:
    """The rating tokens of the units in the database at `url`."""
    from sqlalchemy import create_engine, select

    from app.org.models import Unit

    engine = create_engine(url)
    with engine.connect() as conn:
        tokens = list(conn.execute(select(Unit.rating_token).order_by(Unit.id)).scalars())
    engine.dispose()
    return [t for t in tokens if t]


def run(
    url: str, plan: Plan, workers: int = 4, *, via_nginx: bool = False, trusted_proxies: int = 0
) -> dict[str, Any]:
    """Start the server on a seeded database at `url`, run the plan, report."""
    tokens = unit_tokens(url)
    probe = f"/rate/{tokens[0]}"
    with server(
        url, plan.limits, probe, workers, via_nginx=via_nginx, trusted_proxies=trusted_proxies
    ) as running:
        samples, elapsed = Loader(running.target, running.secret, tokens, plan).run()
    figures = report(samples, elapsed, plan)
    figures["topology"] = running.topology
    figures["rate_limit_storage"] = running.storage.split(":")[0]
    figures["gunicorn_workers"] = running.workers
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Seed a PostgreSQL database, run the load, print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--addresses", type=int, default=50)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds")
    parser.add_argument("--units", type=int, default=79)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="through deploy/'s nginx site (TLS) in front of two gunicorn nodes, as in production",
    )
    parser.add_argument(
        "--trust-forwarded",
        action="store_true",
        help="control run: the server trusts X-Forwarded-For with no proxy in front (forgers "
        "should then get far more than the cap, showing the run can see the difference)",
    )
    args = parser.parse_args(argv)
    from bench.setup import make_app, postgres_url, seed

    url = postgres_url("jixiao_bench_rating_load")
    seed(make_app(url), units=args.units)
    plan = Plan(
        rate=args.rate,
        addresses=args.addresses,
        devices=args.devices,
        duration=args.duration,
        units=args.units,
    )
    figures = run(
        url,
        plan,
        args.workers,
        via_nginx=args.nginx,
        trusted_proxies=1 if args.trust_forwarded else 0,
    )
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    return figures


if __name__ == "__main__":
    main()
