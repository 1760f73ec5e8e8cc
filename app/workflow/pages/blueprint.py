"""The blueprint of the workflow pages (`task_pages`, `process_pages`) and what they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import Blueprint, request

from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Role
from app.extensions import db_session
from app.org.models import UnitMembership
from app.org.services import current_year, memberships, unit_by_code, units_led_by
from app.workflow.tasks.assignment import OVERSEERS

bp = Blueprint("workflow", __name__, template_folder="../templates")
PAGE_SIZE = 100
MAX_PAGE_NUMBER = 1000


def page_number() -> int:
    """The `page` argument (1 for anything that is not a page number in range)."""
    number = request.args.get("page", 1, type=int) or 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


Row = TypeVar("Row")


def one_page(fetch: Callable[[int, int], Sequence[Row]]) -> tuple[int, Sequence[Row], bool]:
    """The page the request asks for: its number, its rows (`fetch(limit, offset)`), and whether
    a next page exists (one row more is fetched to know)."""
    page = page_number()
    rows = fetch(PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    return page, rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def unit_id_of(code: str | None) -> int | None:
    """The id of the unit a filter names by code (None for no filter; NotFound if unknown)."""
    return unit_by_code(db_session(), code).id if code else None


def filter_units(actor: Actor) -> Sequence[UnitMembership]:
    """The units a list page may be filtered by: every unit for those who oversee all work,
    else the actor's own units and those they lead (one unit alone gets no filter)."""
    session = db_session()
    year = current_year(session)
    if actor.roles & OVERSEERS:
        return memberships(session, year)
    own = set(actor.unit_ids_for(*UNIT_ROLES))
    if Role.PROVINCIAL_LEADER in actor.roles and actor.user_id is not None:
        own |= {m.unit_id for m in units_led_by(session, actor.user_id, year)}
    if len(own) < 2:  # most clerks: no need to read the year's units
        return []
    mine = [m for m in memberships(session, year) if m.unit_id in own]
    return mine if len(mine) > 1 else []
