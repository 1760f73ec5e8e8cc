"""Score pages: the year's tables by category with charts and the xlsx export, and each unit's
score explained point by point (issue 13 §4, §5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError
from app.extensions import db_session
from app.org.models import Category
from app.scoring.explain import chart_data, explain, shown
from app.scoring.gather import compute_year
from app.scoring.grades import Grade, flag_text
from app.scoring.models import ScoreRow
from app.scoring.problems import InputsProblem
from app.scoring.services import require_score_reader, run_of, scored_years, versions_of
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


@bp.get("/<int(max=9999):year>")
@login_required
def table(year: int) -> Any:
    """The year's scores by category: ranking, components, grades, flags and two charts."""
    require_score_reader(current_actor())
    session = db_session()
    run = run_of(session, year, _version())
    groups = _by_category(list(run.rows))
    return render_template(
        "scoring/table.html",
        run=run,
        groups=groups,
        versions=versions_of(session, year),
        distribution=_distribution(groups),
        components={category.value: chart_data(rows) for category, rows in groups},
        shown=_shown,
        flag_text=flag_text,
    )


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
    """One unit's score, every component traced to the inputs it came from."""
    require_score_reader(current_actor())
    run = run_of(db_session(), year, _version())
    return render_template(
        "scoring/explain.html",
        explanation=explain(run, code.upper()[:16]),
        flag_text=flag_text,
    )
