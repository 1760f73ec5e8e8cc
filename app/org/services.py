"""Assessment years and units: the year's assessed set, categories, leaders in charge."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Permission, Role
from app.auth.services import require
from app.errors import InvalidInput, NotFound
from app.org.models import AssessmentYear, Category, Unit, UnitMembership, YearStatus


def current_year(session: Session) -> int:
    """The newest year that is not closed; the newest year of all if every one is closed."""
    open_year = session.execute(
        select(func.max(AssessmentYear.year)).where(AssessmentYear.status != YearStatus.CLOSED)
    ).scalar()
    if open_year is not None:
        return int(open_year)
    any_year = session.execute(select(func.max(AssessmentYear.year))).scalar()
    if any_year is None:
        raise NotFound(_("No assessment year has been set up yet."))
    return int(any_year)


def ensure_year(session: Session, year: int, *, actor: Actor, now: datetime) -> AssessmentYear:
    """The assessment year `year`, created in planning state if it does not exist."""
    found = session.get(AssessmentYear, year)
    if found is not None:
        return found
    created = AssessmentYear(year=year, status=YearStatus.PLANNING, created_at=now)
    session.add(created)
    record(
        session,
        actor=actor,
        action="year.create",
        object_type="year",
        object_id=year,
        after={"status": created.status},
        now=now,
    )
    return created


def memberships(session: Session, year: int) -> Sequence[UnitMembership]:
    """The units assessed in `year` with their category and leader, by category then code."""
    return (
        session.execute(
            select(UnitMembership)
            .join(UnitMembership.unit)
            .where(UnitMembership.year == year)
            .options(joinedload(UnitMembership.unit), joinedload(UnitMembership.leader))
            .order_by(UnitMembership.category, Unit.code)
        )
        .scalars()
        .all()
    )


def unit_by_code(session: Session, code: str) -> Unit:
    """The unit with `code`, or NotFound."""
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFound(_("No unit has the code %(code)s.", code=code))
    return unit


def unit_or_none(session: Session, unit_id: int | None) -> Unit | None:
    """The unit with this id, or None (an instance without a unit)."""
    return session.get(Unit, unit_id) if unit_id is not None else None


def units_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, Unit]:
    """The units with these ids (None skipped), to name the units of listed rows."""
    wanted = {unit_id for unit_id in ids if unit_id is not None}
    if not wanted:
        return {}
    found = session.execute(select(Unit).where(Unit.id.in_(wanted))).scalars()
    return {unit.id: unit for unit in found}


def units_led_by(session: Session, leader_id: int, year: int) -> Sequence[UnitMembership]:
    """The units whose leader in charge is `leader_id` in `year`."""
    return (
        session.execute(
            select(UnitMembership)
            .where(UnitMembership.year == year, UnitMembership.leader_id == leader_id)
            .options(joinedload(UnitMembership.unit))
        )
        .scalars()
        .all()
    )


def unit_profile(session: Session, code: str, year: int) -> dict[str, object]:
    """A unit's name, category, leader in charge and headcount in `year`, as plain data."""
    unit = unit_by_code(session, code)
    membership = session.execute(
        select(UnitMembership)
        .where(UnitMembership.unit_id == unit.id, UnitMembership.year == year)
        .options(joinedload(UnitMembership.leader))
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound(_("Unit %(code)s is not assessed in %(year)d.", code=code, year=year))
    return {
        "code": unit.code,
        "name": unit.name_zh,
        "category": membership.category.value,
        "headcount": membership.headcount,
        "leader": membership.leader.username if membership.leader else None,
        "year": year,
    }


@dataclass(frozen=True)
class UnitInput:
    """What a unit form or import provides for one unit in one year."""

    code: str
    name_zh: str
    name_en: str
    category: str
    headcount: int
    leader_id: int | None = None


def _validated(session: Session, data: UnitInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.code.strip() or len(data.code.strip()) > 16:
        errors["code"] = [_("1–16 characters.")]
    if not data.name_zh.strip():
        errors["name_zh"] = [_("Required.")]
    if data.category not in set(Category):
        errors["category"] = [_("Choose one of the six categories.")]
    if data.headcount < 0:
        errors["headcount"] = [_("Must not be negative.")]
    if data.leader_id is not None:
        leader = session.get(User, data.leader_id)
        if leader is None or Role.PROVINCIAL_LEADER not in {g.role for g in leader.grants}:
            errors["leader_id"] = [_("Choose a provincial leader.")]
    return errors


def save_unit(
    session: Session, *, actor: Actor, year: int, data: UnitInput, now: datetime
) -> UnitMembership:
    """Create or update a unit and its membership in `year` (matched by code)."""
    if not actor.is_system:
        require(actor, Permission.MANAGE_UNITS)
    errors = _validated(session, data)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), details=errors)
    code = data.code.strip().upper()
    namesake = session.execute(
        select(Unit.code).where(Unit.name_zh == data.name_zh.strip(), Unit.code != code)
    ).scalar_one_or_none()
    if namesake is not None:
        message = _("Unit %(code)s already has this name.", code=namesake)
        raise InvalidInput(message, details={"name_zh": [message]})
    ensure_year(session, year, actor=actor, now=now)
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        unit = Unit(
            code=code,
            name_zh=data.name_zh.strip(),
            name_en=data.name_en.strip(),
            rating_token=secrets.token_urlsafe(16),
            created_at=now,
        )
        session.add(unit)
        session.flush()
    membership = session.execute(
        select(UnitMembership).where(UnitMembership.year == year, UnitMembership.unit_id == unit.id)
    ).scalar_one_or_none()
    before = _snapshot(unit, membership)
    unit.name_zh, unit.name_en = data.name_zh.strip(), data.name_en.strip()
    if membership is None:
        membership = UnitMembership(year=year, unit_id=unit.id, category=Category(data.category))
        session.add(membership)
    membership.category = Category(data.category)
    membership.headcount = data.headcount
    membership.leader_id = data.leader_id
    session.flush()
    after = _snapshot(unit, membership)
    if before != after:
        record(
            session,
            actor=actor,
            action="unit.save",
            object_type="unit",
            object_id=unit.code,
            before=before,
            after=after,
            now=now,
        )
    return membership


def _snapshot(unit: Unit, membership: UnitMembership | None) -> dict[str, object] | None:
    if membership is None:
        return None
    return {
        "name_zh": unit.name_zh,
        "name_en": unit.name_en,
        "year": membership.year,
        "category": membership.category,
        "headcount": membership.headcount,
        "leader_id": membership.leader_id,
    }
