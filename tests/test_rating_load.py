"""The public rating page under load (SECURITY.md S15), reduced to fit CI: bench/rating_load.py
against real gunicorn nodes with their limits in Redis, on PostgreSQL, behind deploy/'s nginx
site when nginx is installed (as .ci/run does; else one node with no proxy in front), for 8
seconds at 60 requests a second from 20 client addresses and 200 devices, the limits shortened to
3-second windows so that they bite within the run. The full run (200 requests a second, 50
addresses, 1000 devices, 10 minutes, the production limits) is `python -m bench.rating_load`."""

from __future__ import annotations

import shutil
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime

import pytest
import time_machine

from app import create_app
from app.extensions import db
from bench.rating_load import Limits, Plan, nginx_binary, run
from bench.setup import seed
from tests.conftest import PG_URL, _truncate_postgres

pytestmark = [pytest.mark.load, pytest.mark.xdist_group("deploy-stack")]

PLAN = Plan(
    rate=60,
    addresses=20,
    devices=200,
    duration=8,
    units=20,
    device_flooders=1,
    address_flooders=2,
    forgers=2,
    limits=Limits(client=3, device=2, window=3),
)


@pytest.fixture
def seeded_url(request: pytest.FixtureRequest) -> str:
    if PG_URL is None:
        pytest.skip("TEST_DATABASE_URL does not name the PostgreSQL server")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    seed(app, units=PLAN.units)
    with app.app_context():
        db.engine.dispose()
    return url


def test_legitimate_raters_are_served_fast_and_floods_and_forgers_get_429(
    seeded_url: str,
) -> None:
    via_nginx = nginx_binary() is not None and shutil.which("openssl") is not None
    # The servers run on the wall clock: so does the client, even when the session's clock is
    # moved (JIXIAO_TEST_CLOCK), or it would find the servers' cookies expired.
    on_wall_clock: AbstractContextManager[object] = nullcontext()
    if time_machine.escape_hatch.is_travelling():
        wall_clock = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
        on_wall_clock = time_machine.travel(wall_clock, tick=True)
    with on_wall_clock:
        figures = run(seeded_url, PLAN, workers=2, via_nginx=via_nginx)
    summary = {k: v for k, v in figures.items() if k not in ("attempts",)}
    assert figures["rate_limit_storage"] == "redis"
    assert figures["topology"] == ("nginx" if via_nginx else "gunicorn")
    assert figures["requests_per_second"] >= 0.9 * PLAN.rate, summary
    # Legitimate traffic: fast, never refused, nothing failed anywhere.
    assert figures["errors"] == 0, figures["error_statuses"]
    assert figures["legit_p95_ms"] < 300, summary
    assert figures["legit_429"] == 0 and figures["legit_ratings_accepted"] > 0, summary
    assert figures["429_other"] == {}, summary  # only the per-device and per-address limits
    accepted, cap_device, cap_address = (
        figures["accepted"],
        figures["cap_per_device"],
        figures["cap_per_address"],
    )
    # The flooding device is held to the per-device limit across its two addresses.
    [device] = accepted["device_flood"]
    assert figures["429_per_device"].get(device, 0) > 0, summary
    assert accepted["device_flood"][device] <= cap_device, summary
    # Many devices behind one address, and forgers changing X-Forwarded-For (and X-Real-IP and
    # Forwarded) on every request, are held alike to the per-address limit: forging gains nothing.
    for role in ("address_flood", "forger"):
        assert len(accepted[role]) == 2, summary
        for address, count in accepted[role].items():
            assert figures["attempts"][role][address] > cap_address, summary  # the limit bit
            assert count <= cap_address, summary
            assert figures["429_per_address"][address] > 0, summary
    assert max(accepted["forger"].values()) <= max(accepted["address_flood"].values()) + 1
