"""The use of a year's final grades (SPEC §12, policy §24): next year's civil-servant 优秀
places, the rewards list, three-year runs and the rectifications they order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission, Role
from app.auth.services import require
from app.errors import AccessDenied, InvalidInput, NotFound
from app.org.models import Category, UnitMembership
from app.results.models import RectificationKind, RectificationOrder
from app.scoring.grades import Grade, excellent_places
from app.signoff.models import FinalGrade
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessDefinition

RESULT_READERS = frozenset({Role.OFFICE_STAFF, Role.OFFICE_DIRECTOR, Role.PROVINCIAL_LEADER})
RECTIFICATION_KEY = "rectification"
# SPEC §12 sets no number for the deadline of a rectification a result orders: the office
# chooses it, 20 working days unless it says otherwise.
RECTIFICATION_WORKDAYS = 20
MAX_RECTIFICATION_WORKDAYS = 60
RUN = 3  # consecutive years that make a run (policy §24)
REWARDED = frozenset({Grade.EXCELLENT, Grade.GOOD, Grade.PASS})


@dataclass(frozen=True)
class UnitResult:
    """What a unit's final grade of the year means for it."""

    code: str
    name: str
    category: Category
    headcount: int
    grade: Grade
    history: tuple[tuple[int, Grade], ...]  # (year, grade), newest first, this year included
    order: RectificationOrder | None

    @property
    def excellent_places(self) -> int:
        """Next year's civil-servant 优秀 places: ⌊ratio of the grade × headcount⌋."""
        return excellent_places(self.grade, self.headcount)

    @property
    def rewarded(self) -> bool:
        """Whether the unit is on the staff rewards list (合格 or above)."""
        return self.grade in REWARDED

    def _run_of(self, grade: Grade) -> bool:
        years = [year for year, _grade in self.history[:RUN]]
        consecutive = years == list(range(years[0], years[0] - RUN, -1)) if years else False
        return consecutive and all(g is grade for _year, g in self.history[:RUN])

    @property
    def merit(self) -> bool:
        """Three consecutive years 优秀: recommended for a collective third-class merit."""
        return self._run_of(Grade.EXCELLENT)

    @property
    def rectification_kind(self) -> RectificationKind | None:
        """The rectification the result orders, if any."""
        if self.grade is Grade.FAIL:
            return RectificationKind.FAIL
        if self._run_of(Grade.PASS):
            return RectificationKind.THREE_YEAR_PASS
        return None

    @property
    def consequences(self) -> list[str]:
        """What follows from the result, in the user's language."""
        kind = self.rectification_kind
        texts = []
        if self.merit:
            texts.append(_("Three years 优秀: recommended for a collective third-class merit."))
        if kind is RectificationKind.THREE_YEAR_PASS:
            texts.append(_("Three years 合格: a written rectification report is ordered."))
        if kind is RectificationKind.FAIL:
            texts.append(_("不合格: circulated criticism and rectification ordered."))
        return texts


def require_result_reader(actor: Actor) -> None:
    """Refuse unless the actor is the office or a provincial leader."""
    if not actor.roles & RESULT_READERS:
        raise AccessDenied(_("You are not allowed to read the use of results."))


def _histories(
    session: Session, unit_ids: Sequence[int], year: int
) -> dict[int, list[tuple[int, Grade]]]:
    rows = session.execute(
        select(FinalGrade.unit_id, FinalGrade.year, FinalGrade.grade)
        .where(FinalGrade.unit_id.in_(unit_ids), FinalGrade.year <= year)
        .order_by(FinalGrade.year.desc())
    ).all()
    histories: dict[int, list[tuple[int, Grade]]] = {}
    for unit_id, grade_year, grade in rows:
        histories.setdefault(unit_id, []).append((grade_year, grade))
    return histories


def year_results(session: Session, actor: Actor, year: int) -> list[UnitResult]:
    """Each unit's final grade of `year` and what it means, by category and rank; empty before
    the grades are final."""
    require_result_reader(actor)
    finals = list(
        session.execute(
            select(FinalGrade).where(FinalGrade.year == year).options(selectinload(FinalGrade.unit))
        ).scalars()
    )
    unit_ids = [final.unit_id for final in finals]
    headcounts = dict(
        session.execute(
            select(UnitMembership.unit_id, UnitMembership.headcount).where(
                UnitMembership.year == year, UnitMembership.unit_id.in_(unit_ids)
            )
        )
        .tuples()
        .all()
    )
    orders = {
        order.unit_id: order
        for order in session.execute(
            select(RectificationOrder).where(RectificationOrder.year == year)
        ).scalars()
    }
    histories = _histories(session, unit_ids, year)
    position = {category: n for n, category in enumerate(Category)}
    finals.sort(key=lambda f: (position[f.category], f.rank, f.unit.code))
    return [
        UnitResult(
            code=final.unit.code,
            name=final.unit.name_zh,
            category=final.category,
            headcount=headcounts.get(final.unit_id, 0),
            grade=final.grade,
            history=tuple(histories.get(final.unit_id, [])),
            order=orders.get(final.unit_id),
        )
        for final in finals
    ]


def rectification_deployed(session: Session) -> bool:
    """Whether the `rectification` procedure is deployed."""
    found = session.execute(
        select(ProcessDefinition.id).where(ProcessDefinition.key == RECTIFICATION_KEY).limit(1)
    )
    return found.first() is not None


def _subject(year: int, kind: RectificationKind) -> str:
    if kind is RectificationKind.FAIL:
        return f"{year}年度绩效考核结果为不合格的整改"
    return f"连续三年（{year - RUN + 1}—{year}年度）绩效考核结果为合格的书面整改报告"


def rectification_workdays(raw: object) -> int:
    """The working days the office gives for a rectification report: blank is the default,
    else a whole number from 1 to 60 (InvalidInput naming the `workdays` field)."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return RECTIFICATION_WORKDAYS
    if text.isdigit() and 1 <= int(text) <= MAX_RECTIFICATION_WORKDAYS:
        return int(text)
    message = _(
        "The deadline is a whole number of working days from 1 to %(n)d.",
        n=MAX_RECTIFICATION_WORKDAYS,
    )
    raise InvalidInput(message, details=[{"path": "workdays", "message": message}])


def order_rectification(
    session: Session,
    actor: Actor,
    *,
    year: int,
    unit_code: str,
    now: datetime,
    workdays: int = RECTIFICATION_WORKDAYS,
) -> RectificationOrder:
    """Start the unit's rectification its result orders, its report due `workdays` working
    days after (audited); the order already given, if there is one."""
    require(actor, Permission.RUN_CYCLE)
    workdays = rectification_workdays(workdays)
    result = next((r for r in year_results(session, actor, year) if r.code == unit_code), None)
    if result is None:
        raise NotFound(_("%(code)s has no final grade in %(year)d.", code=unit_code, year=year))
    if result.order is not None:
        return result.order
    kind = result.rectification_kind
    if kind is None:
        raise InvalidInput(_("The result of %(name)s orders no rectification.", name=result.name))
    if not rectification_deployed(session):
        raise InvalidInput(_("The rectification procedure is not deployed yet."))
    instance = start_instance(
        session,
        actor=actor,
        key=RECTIFICATION_KEY,
        unit_code=unit_code,
        data={
            "year": year,
            "kind": kind.value,
            "subject": _subject(year, kind),
            "workdays": workdays,
        },
        now=now,
    )
    assert instance.unit_id is not None
    order = RectificationOrder(
        year=year,
        unit_id=instance.unit_id,
        kind=kind,
        instance_id=instance.id,
        ordered_at=now,
        ordered_by_id=actor.user_id,
        ordered_by_name=actor.name,
    )
    session.add(order)
    session.flush()
    record(
        session,
        actor=actor,
        action="results.rectification_ordered",
        object_type="rectification_order",
        object_id=order.id,
        after={
            "year": year,
            "unit": unit_code,
            "kind": kind.value,
            "instance": instance.id,
            "workdays": workdays,
        },
        now=now,
    )
    return order
