"""Year-end evaluations on a small province: three units in two categories, two leaders, a
leading-group member, a department owning `leadership`, another department, and the office."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.auth.roles import Role
from app.auth.services import actor_for
from app.db import utcnow
from app.evaluations.departments import assign_item
from app.evaluations.models import DepartmentItem
from app.extensions import db
from tests.factories import make_unit, make_user

ROOT = Path(__file__).resolve().parent.parent.parent
YEAR = 2026


@pytest.fixture
def province(app: Flask) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    make_unit("FGW", category="economic")
    make_unit("GXT", category="economic")
    make_unit("JYT", category="social_service")
    office = make_user("office1", Role.OFFICE_STAFF)
    for name, role in (
        ("owner1", Role.PROCESS_OWNER),
        ("leader1", Role.PROVINCIAL_LEADER),
        ("leader2", Role.PROVINCIAL_LEADER),
        ("group1", Role.LEADING_GROUP),
        ("dept1", Role.DEPT_ASSESSOR),
        ("dept2", Role.DEPT_ASSESSOR),
    ):
        make_user(name, role)
    assign_item(
        db.session,
        actor=actor_for(office),
        item=DepartmentItem.LEADERSHIP,
        username="dept1",
        now=utcnow(),
    )
    db.session.commit()
