"""What each role's dashboard shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.roles import Permission, Role
from app.errors import NotFound
from app.org.models import Category, UnitMembership
from app.org.services import current_year, memberships, units_led_by


@dataclass
class Dashboard:
    """The panels of one user's dashboard; empty lists render as explained empty states."""

    year: int | None
    roles: list[Role]
    category_counts: list[tuple[Category, int]] = field(default_factory=list)
    own_units: list[UnitMembership] = field(default_factory=list)
    led_units: list[UnitMembership] = field(default_factory=list)
    show_business: bool = False


def build_dashboard(session: Session, actor: Actor) -> Dashboard:
    """Collect the panels the actor's roles call for."""
    try:
        year: int | None = current_year(session)
    except NotFound:
        year = None
    board = Dashboard(
        year=year, roles=sorted(actor.roles), show_business=actor.can(Permission.BUSINESS)
    )
    if year is None or not board.show_business:
        return board
    year_units = memberships(session, year)
    if actor.can(Permission.RUN_CYCLE) or actor.can(Permission.SUPERVISE):
        counts = Counter(m.category for m in year_units)
        board.category_counts = [(c, counts.get(c, 0)) for c in Category]
    own = actor.unit_ids_for(Role.UNIT_STAFF, Role.UNIT_HEAD)
    board.own_units = [m for m in year_units if m.unit_id in own]
    if Role.PROVINCIAL_LEADER in actor.roles and actor.user_id is not None:
        board.led_units = list(units_led_by(session, actor.user_id, year))
    return board
