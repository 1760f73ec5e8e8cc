"""(d) Inbox listing with many open tasks: p95 of GET /api/v1/tasks."""

from __future__ import annotations

import gc
import statistics
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from app.auth.models import User
from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.org.models import Unit
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from bench.setup import DIAGRAM, deploy_as_owner, login, make_app, seed

UNITS = 100
INSTANCES = 1000


def _fill(count: int) -> None:
    """`count` open tasks over 1,000 instances: unit tasks for 100 units, office tasks, personal."""
    template = db.session.execute(select(ProcessInstance)).scalars().first()
    assert template is not None
    now = utcnow()
    instance_ids = [template.id]
    rows = [
        {
            "definition_id": template.definition_id,
            "process_key": template.process_key,
            "status": template.status,
            "unit_id": None,
            "year": 2026,
            "started_at": now,
            "updated_at": now,
            "state_json": template.state_json,
            "data": {},
            "row_version": 1,
        }
        for _ in range(INSTANCES - 1)
    ]
    db.session.execute(insert(ProcessInstance), rows)
    instance_ids = list(db.session.execute(select(ProcessInstance.id)).scalars())
    unit_ids = list(db.session.execute(select(Unit.id).order_by(Unit.id)).scalars())
    user_ids = list(db.session.execute(select(User.id)).scalars())
    batch = []
    for number in range(count):
        kind = number % 10
        role, scope, user = (Role.UNIT_STAFF, unit_ids[number % len(unit_ids)], None)
        if kind == 8:
            role, scope = Role.OFFICE_STAFF, None
        elif kind == 9:
            role, scope, user = None, None, user_ids[number % len(user_ids)]
        batch.append(
            {
                "id": str(uuid.uuid4()),
                "instance_id": instance_ids[number % INSTANCES],
                "spec_id": "fill",
                "name": "填报",
                "role": role,
                "scope_unit_id": scope,
                "user_id": user,
                "priority": 0,
                "state": HumanTaskState.READY,
                "due_at": now + timedelta(minutes=number % 5000),
                "created_at": now,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(HumanTask), batch)
            batch = []
    if batch:
        db.session.execute(insert(HumanTask), batch)
    db.session.commit()


def inbox_p95(url: str, count: int, requests: int = 100) -> float:
    """The slower p95 (ms) of a unit clerk's and an office clerk's inbox over `requests` calls."""
    app = make_app(url)
    seed(app, units=UNITS)
    client = app.test_client()
    office = deploy_as_owner(client, DIAGRAM.name, DIAGRAM.read_bytes())
    client.post(
        "/api/v1/process-instances", headers=office, json={"process_key": "bench_two_steps"}
    )
    with app.app_context():
        _fill(count)
        # What autovacuum would have done after a bulk load: statistics, and on PostgreSQL the
        # visibility map that lets an index-only scan skip the table.
        command = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(command)
    gc.collect()
    gc.freeze()  # as wsgi.py does once the app is built: the server's setting, not a bench trick
    worst = 0.0
    for headers in (login(client, "staff0"), office):
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/tasks", headers=headers)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200 and response.get_json()
        worst = max(worst, statistics.quantiles(samples, n=20)[18] * 1000)
    return worst
