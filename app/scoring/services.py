"""Scores: computing a proposal from inputs, storing versions, reading the table (SPEC §8, §9)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.appeals.models import ResultDelivery
from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Role
from app.db import next_number
from app.errors import AccessDenied, InvalidInput, NotFound
from app.org.models import AssessmentYear, Category, Unit, UnitMembership
from app.scoring.arithmetic import DEFAULT_SCHEME, ScoreScheme, UnitScore, rounded, score_units
from app.scoring.grades import GradeProposal, GradingEntry, ProposedGrade, propose_grades
from app.scoring.inputs import ScoringInputs, inputs_as_json
from app.scoring.models import ScoreRow, ScoreRun

# Who may read a year's score table: the office, those who review or decide the grades, and
# supervisors. Units see their own result only once it is delivered (the explain page, later).
SCORE_READERS = frozenset(
    {
        Role.OFFICE_STAFF,
        Role.OFFICE_DIRECTOR,
        Role.PROVINCIAL_LEADER,
        Role.LEADING_GROUP,
        Role.SUPERVISOR,
        Role.COMMITTEE_SECRETARY,
    }
)


@dataclass(frozen=True)
class ScoreResult:
    """Scores and the grade proposal computed from one set of inputs."""

    scores: tuple[UnitScore, ...]
    proposal: GradeProposal

    def score_of(self, code: str) -> UnitScore:
        """The score of the unit with `code`."""
        return next(score for score in self.scores if score.code == code)


def compute_scores(inputs: ScoringInputs, scheme: ScoreScheme = DEFAULT_SCHEME) -> ScoreResult:
    """Every unit's score and the grade proposal; InputsProblem names each missing input."""
    scores = score_units(inputs.units, scheme)
    by_code = {unit.code: unit for unit in inputs.units}
    entries = [
        GradingEntry(
            score=score,
            category=by_code[score.code].category,
            disqualified=by_code[score.code].disqualified,
            headcount=by_code[score.code].headcount,
        )
        for score in scores
    ]
    return ScoreResult(tuple(scores), propose_grades(entries, inputs.quota_rounding))


def _two_decimals(value: Decimal) -> str:
    return f"{rounded(value):.2f}"


def score_table_row(proposed: ProposedGrade, score: UnitScore, name: str) -> dict[str, Any]:
    """One unit in CONTRACT's score table shape."""
    return {
        "code": proposed.code,
        "name": name,
        "category": proposed.category.value,
        "I": _two_decimals(score.I),
        "P": _two_decimals(score.P),
        "E": _two_decimals(score.E),
        "T": _two_decimals(score.T),
        "rank": proposed.rank,
        "grade": proposed.grade.value,
        "flags": list(proposed.flags),
        "excellent_places": proposed.excellent_places,
    }


def score_table(
    year: int, version: int | None, result: ScoreResult, names: Mapping[str, str]
) -> dict[str, Any]:
    """CONTRACT's `{year, version, units}`; a unit without a name in `names` shows its code."""
    return {
        "year": year,
        "version": version,
        "units": [
            score_table_row(p, result.score_of(p.code), names.get(p.code, p.code))
            for p in result.proposal.units
        ],
    }


def unit_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """The Chinese names of the units with these codes that the database knows."""
    rows = session.execute(select(Unit.code, Unit.name_zh).where(Unit.code.in_(codes))).all()
    return {code: name for code, name in rows}


def what_if(session: Session, inputs: ScoringInputs) -> dict[str, Any]:
    """The score table the inputs would give, stored nowhere (version None)."""
    result = compute_scores(inputs)
    return score_table(
        inputs.year, None, result, unit_names(session, [u.code for u in inputs.units])
    )


def _memberships_by_code(session: Session, year: int) -> dict[str, UnitMembership]:
    rows = session.execute(
        select(UnitMembership)
        .join(UnitMembership.unit)
        .where(UnitMembership.year == year)
        .options(selectinload(UnitMembership.unit))
    ).scalars()
    return {membership.unit.code: membership for membership in rows}


def _check_units_assessed(session: Session, inputs: ScoringInputs) -> dict[str, UnitMembership]:
    assessed = _memberships_by_code(session, inputs.year)
    problems = []
    for unit in inputs.units:
        membership = assessed.get(unit.code)
        if membership is None:
            problems.append(
                _("Unit %(code)s is not assessed in %(year)d.", code=unit.code, year=inputs.year)
            )
        elif membership.category != unit.category:
            problems.append(
                _(
                    "Unit %(code)s, category: %(given)s, but it is in %(category)s in %(year)d.",
                    code=unit.code,
                    given=unit.category.label,
                    category=membership.category.label,
                    year=inputs.year,
                )
            )
    if problems:
        raise InvalidInput("\n".join(problems), details=problems)
    return assessed


def store_scores(
    session: Session,
    actor: Actor,
    year: int,
    inputs: ScoringInputs,
    reason: str,
    *,
    now: datetime,
    scheme: ScoreScheme = DEFAULT_SCHEME,
) -> ScoreRun:
    """Compute the year's scores from `inputs` and store them as a new version (audited)."""
    if inputs.year != year:
        raise InvalidInput(
            _("The inputs are for %(given)d, not %(year)d.", given=inputs.year, year=year)
        )
    if session.get(AssessmentYear, year) is None:
        raise NotFound(_("There is no assessment year %(year)d.", year=year))
    if not reason.strip():
        raise InvalidInput(_("Say why the scores are computed."), details={"reason": "required"})
    assessed = _check_units_assessed(session, inputs)
    result = compute_scores(inputs, scheme)
    run = ScoreRun(
        year=year,
        version=next_number(session, ScoreRun.version, ScoreRun.year == year),
        computed_at=now,
        computed_by_id=actor.user_id,
        computed_by_name=actor.name,
        reason=reason.strip(),
        quota_rounding=inputs.quota_rounding.value,
        inputs=inputs_as_json(inputs),
    )
    run.rows = [
        _row(proposed, result.score_of(proposed.code), assessed[proposed.code].unit)
        for proposed in result.proposal.units
    ]
    session.add(run)
    session.flush()
    record(
        session,
        actor=actor,
        action="scores.store",
        object_type="score_run",
        object_id=run.id,
        before={"version": run.version - 1} if run.version > 1 else None,
        after={
            "year": year,
            "version": run.version,
            "reason": run.reason,
            "grades": {row.unit.code: row.proposed_grade.value for row in run.rows},
            "T": {row.unit.code: row.t for row in run.rows},
        },
        now=now,
    )
    return run


def _row(proposed: ProposedGrade, score: UnitScore, unit: Unit) -> ScoreRow:
    return ScoreRow(
        unit=unit,
        category=proposed.category,
        k=str(score.K),
        l=str(score.L),
        i=str(score.I),
        p=str(score.P),
        leader=str(score.Leader),
        d=None if score.D is None else str(score.D),
        y=str(score.Y),
        public=str(score.Public),
        dept=str(score.Dept),
        e=str(score.E),
        t=str(score.T),
        rank=proposed.rank,
        proposed_grade=proposed.grade,
        flags=list(proposed.flags),
        excellent_places=proposed.excellent_places,
    )


def require_score_reader(actor: Actor) -> None:
    """Refuse unless the actor may read whole score tables."""
    if not actor.roles & SCORE_READERS:
        raise AccessDenied(_("You are not allowed to read the score tables."))


def latest_run(session: Session, year: int) -> ScoreRun:
    """The newest stored version of the year's scores, or NotFound."""
    return run_of(session, year)


def run_of(session: Session, year: int, version: int | None = None) -> ScoreRun:
    """A stored version of the year's scores (the newest without `version`), or NotFound."""
    query = select(ScoreRun).where(ScoreRun.year == year)
    if version is not None:
        query = query.where(ScoreRun.version == version)
    run = session.execute(
        query.order_by(ScoreRun.version.desc())
        .limit(1)
        .options(selectinload(ScoreRun.rows).selectinload(ScoreRow.unit))
    ).scalar_one_or_none()
    if run is None:
        raise NotFound(_("No scores have been computed for %(year)d.", year=year))
    return run


def scored_years(session: Session) -> list[tuple[int, int]]:
    """(year, newest version) of every year with stored scores, the newest year first."""
    rows = session.execute(
        select(ScoreRun.year, func.max(ScoreRun.version))
        .group_by(ScoreRun.year)
        .order_by(ScoreRun.year.desc())
    )
    return [(year, version) for year, version in rows]


def versions_of(session: Session, year: int) -> list[ScoreRun]:
    """Every stored version of the year's scores, the newest first (without their rows)."""
    return list(
        session.execute(
            select(ScoreRun).where(ScoreRun.year == year).order_by(ScoreRun.version.desc())
        ).scalars()
    )


def stored_table(session: Session, actor: Actor, year: int) -> dict[str, Any]:
    """The latest stored score table of `year` in CONTRACT's shape."""
    require_score_reader(actor)
    return run_table(latest_run(session, year))


def run_table(run: ScoreRun) -> dict[str, Any]:
    """A stored version's score table in CONTRACT's shape, by category then rank."""
    order = {category: position for position, category in enumerate(Category)}
    rows = sorted(run.rows, key=lambda r: (order[r.category], r.rank, r.unit.code))
    return {
        "year": run.year,
        "version": run.version,
        "units": [
            {
                "code": row.unit.code,
                "name": row.unit.name_zh,
                "category": row.category.value,
                "I": _two_decimals(Decimal(row.i)),
                "P": _two_decimals(Decimal(row.p)),
                "E": _two_decimals(Decimal(row.e)),
                "T": _two_decimals(Decimal(row.t)),
                "rank": row.rank,
                "grade": row.proposed_grade.value,
                "flags": list(row.flags),
                "excellent_places": row.excellent_places,
            }
            for row in rows
        ],
    }


def readable_version(
    session: Session, actor: Actor, year: int, code: str, asked: int | None
) -> int | None:
    """The score version of unit `code` the actor may open: any for score readers (None: the
    newest); for the unit's own staff and head, only versions delivered to the unit (the newest
    delivered by default). AccessDenied for everyone else."""
    if actor.roles & SCORE_READERS:
        return asked
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None or unit.id not in actor.unit_ids_for(*UNIT_ROLES):
        raise AccessDenied(_("You may see only your own unit's score."))
    delivered = set(
        session.execute(
            select(ResultDelivery.score_version).where(
                ResultDelivery.year == year, ResultDelivery.unit_id == unit.id
            )
        ).scalars()
    )
    if not delivered:
        raise AccessDenied(
            _("Your unit's %(year)d results have not been delivered yet.", year=year)
        )
    if asked is None:
        return max(delivered)
    if asked not in delivered:
        raise AccessDenied(_("This version was not delivered to your unit."))
    return asked
