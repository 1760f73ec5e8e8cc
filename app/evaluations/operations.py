"""Service operations of the `evaluations` diagram and the choice that proves a rater's work is
done: a rater's task can only be completed by choosing their own finished work, and the server
offers only work that is finished (a submitted sheet, a fully entered item)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import RoleGrant, User
from app.auth.roles import Role
from app.errors import InvalidInput
from app.evaluations.departments import ItemProgress, progress_by_item
from app.evaluations.grid import RATER_ROLES, led_unit_ids
from app.evaluations.models import RatingSheet, SheetKind, SheetStatus
from app.extensions import db_session
from app.org.models import Unit
from app.org.services import memberships
from app.workflow.definitions.forms import ChoiceContext, register_choices
from app.workflow.registry import REGISTRY, Operation, ServiceCall

DEFAULT_WORKDAYS = 10


def sheet_link(year: int, kind: SheetKind) -> str:
    """The page where a rater fills their sheet."""
    return f"/evaluations/{year}/sheets/{kind.value}"


def item_link(year: int, item: str) -> str:
    """The page where a department enters its item."""
    return f"/evaluations/{year}/departments/{item}"


def _holders(session: Session, role: Role) -> list[User]:
    return list(
        session.execute(
            select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == role, User.is_active.is_(True))
            .order_by(User.username)
            .distinct()
        ).scalars()
    )


def _sheet_work(session: Session, year: int, kind: SheetKind) -> list[dict[str, Any]]:
    return [
        {
            "key": f"{kind.value}:{user.username}",
            "assignee": user.username,
            "label": f"{kind.label}：{user.display_name}",
            "link": sheet_link(year, kind),
        }
        for user in _holders(session, RATER_ROLES[kind])
    ]


def lead_unit_key(code: str) -> str:
    """The work key of a lead unit's sheet."""
    return f"{SheetKind.LEAD_UNIT.value}:{code}"


def _lead_unit_work(session: Session, year: int) -> tuple[list[dict[str, Any]], list[str]]:
    """One sheet per lead unit with active staff (the task goes to them); the codes of lead
    units without, which are skipped (a step nobody can work would hold the year up)."""
    leads = led_unit_ids(session, year)
    staffed = set(
        session.execute(
            select(RoleGrant.unit_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.UNIT_STAFF, User.is_active.is_(True))
        ).scalars()
    )
    units = session.execute(select(Unit).where(Unit.id.in_(list(leads))).order_by(Unit.code))
    work, unstaffed = [], []
    for unit in units.scalars():
        if unit.id not in staffed:
            unstaffed.append(unit.code)
            continue
        work.append(
            {
                "key": lead_unit_key(unit.code),
                "unit": unit.code,
                "label": f"{SheetKind.LEAD_UNIT.label}：{unit.name_zh}（{len(leads[unit.id])}）",
                "link": f"{sheet_link(year, SheetKind.LEAD_UNIT)}?unit={unit.code}",
            }
        )
    return work, unstaffed


def _item_work(year: int, progress: ItemProgress) -> dict[str, Any]:
    assert progress.owner is not None
    item = progress.item
    return {
        "key": f"item:{item.value}",
        "assignee": progress.owner.username,
        "label": f"{item.label}（{item.full_marks}分）：{progress.owner.display_name}",
        "link": item_link(year, item.value),
    }


def year_plan(session: Session, year: int, workdays: int | None) -> dict[str, Any]:
    """Who works what at the year's end, with the working days they have."""
    units = len(memberships(session, year))
    if not units:
        raise InvalidInput(_("No units are assessed in %(year)d.", year=year))
    items = progress_by_item(session, year)
    lead_units, unstaffed = _lead_unit_work(session, year)
    return {
        "year": year,
        "units": units,
        "workdays": workdays or DEFAULT_WORKDAYS,
        "leaders": _sheet_work(session, year, SheetKind.LEADER),
        "leading_group": _sheet_work(session, year, SheetKind.LEADING_GROUP),
        "lead_units": lead_units,
        "lead_units_without_staff": unstaffed,
        "departments": [_item_work(year, p) for p in items if p.owner is not None],
        "unassigned_items": [p.item.label for p in items if p.owner is None],
    }


def finished_work(session: Session, year: int, user_id: int | None = None) -> list[tuple[str, str]]:
    """(key, label) of the year's finished work: submitted sheets and fully entered items; only
    `user_id`'s own (their sheets, the items they own) when given."""
    query = (
        select(RatingSheet, User, Unit)
        .join(User, User.id == RatingSheet.rater_id)
        .outerjoin(Unit, Unit.id == RatingSheet.unit_id)
        .where(RatingSheet.year == year, RatingSheet.status == SheetStatus.SUBMITTED)
        .order_by(RatingSheet.id)
    )
    if user_id is not None:
        # A lead unit's sheet is the unit's work: any of its staff may confirm it.
        staff_units = select(RoleGrant.unit_id).where(
            RoleGrant.user_id == user_id, RoleGrant.role == Role.UNIT_STAFF
        )
        query = query.where(
            (RatingSheet.rater_id == user_id) | RatingSheet.unit_id.in_(staff_units)
        )
    sheets = session.execute(query).all()
    done = [
        (lead_unit_key(unit.code), _("%(who)s: submitted", who=unit.name_zh))
        if unit is not None
        else (f"{sheet.kind.value}:{user.username}", _("%(who)s: submitted", who=user.display_name))
        for sheet, user, unit in sheets
    ]
    done += [
        (f"item:{p.item.value}", _("%(item)s: entered", item=p.item.label))
        for p in progress_by_item(session, year)
        if p.complete and (user_id is None or (p.owner is not None and p.owner.id == user_id))
    ]
    return done


def _workdays(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
        raise InvalidInput(_("workdays must be a number of working days from 1 to 60."))
    return value


def _raters(call: ServiceCall) -> dict[str, Any]:
    return year_plan(db_session(), call.year(), _workdays(call.params.get("workdays")))


REGISTRY.register(
    Operation(
        "evaluations.raters",
        "The year-end work of `year`: each leader's and leading-group member's sheet, each lead "
        "unit's sheet, each department item with its owner, and the working days allowed "
        "(`workdays`, default 10).",
        {"year": True, "workdays": False},
        _raters,
    )
)


def _finished_choices(context: ChoiceContext) -> list[tuple[Any, str]]:
    if context.year is None:
        return []
    return finished_work(db_session(), context.year, context.user_id)


register_choices("evaluation_work_done", _finished_choices)
