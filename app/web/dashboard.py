"""What each role's dashboard shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.roles import Permission, Role
from app.errors import NotFound
from app.notifications.models import Notification
from app.notifications.services import latest
from app.org.models import Category, UnitMembership
from app.org.services import current_year, memberships, units_led_by
from app.workflow.models import HumanTask
from app.workflow.tasks.inbox import inbox

SHOWN_TASKS = 5
SHOWN_ALERTS = 5


@dataclass
class Dashboard:
    """The panels of one user's dashboard; empty lists render as explained empty states."""

    year: int | None
    roles: list[Role]
    category_counts: list[tuple[Category, int]] = field(default_factory=list)
    own_units: list[UnitMembership] = field(default_factory=list)
    led_units: list[UnitMembership] = field(default_factory=list)
    show_business: bool = False
    tasks: Sequence[HumanTask] = ()
    more_tasks: bool = False
    overdue_tasks: str = ""  # "3", or "5+" when every task shown is late and there are more
    alerts: Sequence[Notification] = ()


def build_dashboard(session: Session, actor: Actor, now: datetime) -> Dashboard:
    """Collect the panels the actor's roles call for."""
    try:
        year: int | None = current_year(session)
    except NotFound:
        year = None
    board = Dashboard(
        year=year, roles=sorted(actor.roles), show_business=actor.can(Permission.BUSINESS)
    )
    if not board.show_business:
        return board
    _add_work(session, actor, now, board)
    if year is None:
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


def _add_work(session: Session, actor: Actor, now: datetime, board: Dashboard) -> None:
    """The soonest-due tasks of the inbox, how many of them are late, and unread alerts."""
    tasks = inbox(session, actor, now=now, limit=SHOWN_TASKS + 1)
    board.tasks, board.more_tasks = tasks[:SHOWN_TASKS], len(tasks) > SHOWN_TASKS
    late = sum(1 for t in board.tasks if t.due_at is not None and t.due_at < now)
    if late:
        board.overdue_tasks = f"{late}+" if board.more_tasks and late == SHOWN_TASKS else str(late)
    if actor.user_id is not None:
        board.alerts = latest(session, actor.user_id, SHOWN_ALERTS, unread_only=True)
