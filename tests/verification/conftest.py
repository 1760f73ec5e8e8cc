"""The demo province with the shipped procedures and FGW's indicators approved."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.indicators.models import Indicator
from app.indicators.procedure import publish, save_drafts
from app.org.models import Unit
from tests.factories import make_user
from tests.indicators.conftest import shipped  # noqa: F401  (the fixture, shared)

YEAR = 2026
SYSTEM = Actor.system("test")


def unit_of(code: str) -> Unit:
    """The unit with this code."""
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def approve(code: str) -> list[Indicator]:
    """The unit's drafts weighted to 80 and published, as the setting procedure would."""
    unit = unit_of(code)
    ids = list(
        db.session.execute(
            select(Indicator.id).where(Indicator.unit_id == unit.id).order_by(Indicator.id)
        ).scalars()
    )
    share = (Decimal(80) / len(ids)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    weights = [share] * (len(ids) - 1) + [Decimal(80) - share * (len(ids) - 1)]
    rows = [{"id": i, "weight": float(w)} for i, w in zip(ids, weights, strict=True)]
    saved = save_drafts(db.session, actor=SYSTEM, unit_id=unit.id, year=YEAR, rows=rows)
    assert saved["problems"] == []
    publish(db.session, actor=SYSTEM, unit_id=unit.id, year=YEAR, now=utcnow())
    db.session.commit()
    return list(
        db.session.execute(
            select(Indicator).where(Indicator.unit_id == unit.id).order_by(Indicator.id)
        ).scalars()
    )


@pytest.fixture
def approved(shipped: FlaskClient) -> FlaskClient:  # noqa: F811
    """FGW's indicators approved; GXT (lead of two of FGW's key tasks) has a staff account."""
    approve("FGW")
    make_user("gxt1", (Role.UNIT_STAFF, unit_of("GXT")))
    return shipped
