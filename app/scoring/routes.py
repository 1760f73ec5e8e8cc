"""Score pages: the year's tables by category with charts and the xlsx export, and each unit's
score explained point by point (issue 13 §4, §5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.appeals.delivery import STATE_LABELS
from app.appeals.trail import appeal_trail
from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError
from app.evidence.services import store_evidence
from app.extensions import db_session
from app.org.models import Category
from app.org.services import memberships
from app.scoring.cases import CaseInput, cases_of_year, exempt_case, record_case
from app.scoring.explain import chart_data, explain, shown
from app.scoring.gather import compute_year
from app.scoring.grades import Grade, flag_text
from app.scoring.inputs import QuotaRounding, rounding_label
from app.scoring.models import CaseKind, Exemption, ScoreRow
from app.scoring.problems import InputsProblem
from app.scoring.services import (
    readable_version,
    require_score_reader,
    run_of,
    scored_years,
    versions_of,
)
from app.scoring.settings import quota_rounding_of, set_quota_rounding
from app.scoring.sources import process_sources, rating_counts
from app.scoring.workbook import score_workbook, table_headers, workbook_title
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("scoring", __name__, url_prefix="/scores", template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _shown(text: str) -> str:
    return shown(Decimal(text))


def _version() -> int | None:
    version = request.args.get("version", type=int)
    return version if version is not None and 0 < version < 2**31 else None


def _by_category(rows: list[ScoreRow]) -> list[tuple[Category, list[ScoreRow]]]:
    grouped = [
        (category, sorted((r for r in rows if r.category is category), key=lambda r: r.rank))
        for category in Category
    ]
    return [(category, members) for category, members in grouped if members]


def _distribution(groups: list[tuple[Category, list[ScoreRow]]]) -> dict[str, Any]:
    return {
        "labels": [category.label for category, _rows in groups],
        "series": {
            grade.value: [sum(1 for r in rows if r.proposed_grade is grade) for _c, rows in groups]
            for grade in Grade
        },
    }


def _index(errors: list[str] | None = None, status: int = 200) -> Any:
    actor = current_actor()
    page = render_template(
        "scoring/index.html",
        years=scored_years(db_session()),
        can_compute=actor.can(Permission.RUN_CYCLE),
        errors=errors or [],
        form=request.form,
    )
    return page, status


@bp.get("/")
@login_required
def index() -> Any:
    """The years with stored scores, the newest first; the office may compute a year."""
    require_score_reader(current_actor())
    return _index()


@bp.post("/compute")
@login_required
@permission_required(Permission.RUN_CYCLE)
def compute() -> Any:
    """Compute a year's scores from the recorded inputs and store them as a new version."""
    year = request.form.get("year", type=int)
    if year is None or not 0 < year < 10000:
        return _index([_("Give the year to compute.")], 422)
    try:
        run = compute_year(
            db_session(), current_actor(), year, request.form.get("reason", ""), now=utcnow()
        )
    except InputsProblem as error:
        db_session().rollback()
        return _index([problem.message for problem in error.problems], error.status)
    except DomainError as error:
        db_session().rollback()
        return _index([error.message], error.status)
    db_session().commit()
    flash(_("%(year)d scores computed: version %(v)d.", year=year, v=run.version), "success")
    return redirect(url_for("scoring.table", year=year))


def _table_page(year: int, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    session = db_session()
    run = run_of(session, year, _version())
    groups = _by_category(list(run.rows))
    page = render_template(
        "scoring/table.html",
        run=run,
        groups=groups,
        versions=versions_of(session, year),
        distribution=_distribution(groups),
        components={category.value: chart_data(rows) for category, rows in groups},
        shown=_shown,
        flag_text=flag_text,
        can_manage=current_actor().can(Permission.RUN_CYCLE),
        rounding=quota_rounding_of(session, year),
        run_rounding=rounding_label(run.quota_rounding),
        roundings=list(QuotaRounding),
        errors=errors or {},
    )
    return page, status


@bp.get("/<int(max=9999):year>")
@login_required
def table(year: int) -> Any:
    """The year's scores by category: ranking, components, grades, flags and two charts."""
    require_score_reader(current_actor())
    return _table_page(year)


@bp.post("/<int(max=9999):year>/quota-rounding")
@login_required
@permission_required(Permission.RUN_CYCLE)
def quota_rounding(year: int) -> Any:
    """Set how the year's grade quotas are rounded; the next computation grades with it."""
    session = db_session()
    try:
        rounding = set_quota_rounding(
            session, current_actor(), year, request.form.get("quota_rounding", ""), now=utcnow()
        )
    except DomainError as error:
        session.rollback()
        return _table_page(year, {"quota_rounding": error.message}, error.status)
    session.commit()
    flash(
        _(
            "Grade quotas are now %(rounding)s; compute the scores again to grade with it.",
            rounding=rounding.label,
        ),
        "success",
    )
    return redirect(url_for("scoring.table", year=year))


@bp.get("/<int(max=9999):year>/scores.xlsx")
@login_required
def export(year: int) -> Any:
    """The table as a workbook for printing, one sheet per category."""
    require_score_reader(current_actor())
    run = run_of(db_session(), year, _version())
    response = Response(score_workbook(run, table_headers(), workbook_title(run)), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="scores-{year}.xlsx"'
    return response


@bp.get("/<int(max=9999):year>/<code>")
@login_required
def unit_score(year: int, code: str) -> Any:
    """One unit's score, every component traced to the inputs it came from, with the appeal
    trail; the unit itself sees it once its results were delivered."""
    actor, session = current_actor(), db_session()
    code = code.upper()[:16]
    run = run_of(session, year, readable_version(session, actor, year, code, _version()))
    explanation = explain(run, code)
    office = actor.can(Permission.RUN_CYCLE)
    return render_template(
        "scoring/explain.html",
        explanation=explanation,
        process=process_sources(session, year, explanation.inputs),
        ratings=rating_counts(session, year, code) if office else None,
        flag_text=flag_text,
        trail=appeal_trail(session, year, code),
        office=office,
        delivery_labels={state.value: str(label) for state, label in STATE_LABELS.items()},
    )


def _cases_page(year: int, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    session = db_session()
    page = render_template(
        "scoring/cases.html",
        year=year,
        cases=cases_of_year(session, year),
        units=[m.unit for m in memberships(session, year)],
        kinds=list(CaseKind),
        exemptions=list(Exemption),
        errors=errors or {},
        form=request.form,
    )
    return page, status


def _field_errors(error: DomainError) -> dict[str, str]:
    details = error.details if isinstance(error.details, list) else []
    found = {d["path"]: d["message"] for d in details if isinstance(d, dict) and "path" in d}
    return found or {"form": error.message}


@bp.get("/<int(max=9999):year>/cases")
@login_required
@permission_required(Permission.RUN_CYCLE)
def cases(year: int) -> Any:
    """The year's §22 cases, a form to record one and each case's exemption."""
    return _cases_page(year)


@bp.post("/<int(max=9999):year>/cases")
@login_required
@permission_required(Permission.RUN_CYCLE)
def record_case_page(year: int) -> Any:
    """Record a case with its evidence files."""
    session, actor = db_session(), current_actor()
    try:
        evidence = [
            store_evidence(
                session,
                actor=actor,
                name=upload.filename,
                content=upload.read(),
                unit_id=None,
                instance_id=None,
                now=utcnow(),
            ).id
            for upload in request.files.getlist("evidence")
            if upload and upload.filename
        ]
        session.flush()
        record_case(
            session,
            actor,
            year,
            CaseInput(
                unit_code=request.form.get("unit_code", ""),
                kind=request.form.get("kind", ""),
                description=request.form.get("description", ""),
                evidence_ids=tuple(evidence),
            ),
            now=utcnow(),
        )
    except DomainError as error:
        session.rollback()
        return _cases_page(year, _field_errors(error), error.status)
    session.commit()
    flash(_("Case recorded."), "success")
    return redirect(url_for("scoring.cases", year=year))


@bp.post("/<int(max=9999):year>/cases/<int:case_id>/exempt")
@login_required
@permission_required(Permission.RUN_CYCLE)
def exempt_case_page(year: int, case_id: int) -> Any:
    """Exempt a case for one of §22's two reasons."""
    session = db_session()
    try:
        exempt_case(
            session,
            current_actor(),
            case_id,
            request.form.get("exemption", ""),
            request.form.get("note", ""),
            now=utcnow(),
        )
    except DomainError as error:
        session.rollback()
        return _cases_page(year, {f"case-{case_id}": error.message}, error.status)
    session.commit()
    flash(_("Case exempted."), "success")
    return redirect(url_for("scoring.cases", year=year))
