"""The office's survey pages: create the year's survey, issue, hand out and revoke invitations,
weigh the groups, and follow progress per group."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError
from app.evaluations.survey.aggregates import yearend_counts, yearend_scores
from app.evaluations.survey.exports import (
    invitation_cards_pdf,
    invitation_links,
    invitations_workbook,
)
from app.evaluations.survey.models import InvitationStatus, Survey
from app.evaluations.survey.services import (
    SurveyInput,
    all_surveys,
    closes_at,
    create_survey,
    group_invitations,
    group_of,
    issue_invitations,
    revoke_invitation,
    set_group_weights,
    survey_by_id,
    survey_progress,
)
from app.extensions import db_session
from app.org.services import current_year, memberships
from app.web.context import current_actor, login_required, permission_required

bp = Blueprint("surveys", __name__, url_prefix="/surveys", template_folder="templates")


def _field_errors(error: DomainError) -> dict[str, str]:
    details = error.details if isinstance(error.details, list) else []
    errors = {detail["path"]: detail["message"] for detail in details}
    return errors or {"form": error.message}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _index_page(errors: dict[str, str], status: int = 200) -> Any:
    return render_template(
        "survey/office_index.html",
        surveys=all_surveys(db_session()),
        default_year=current_year(db_session()),
        errors=errors,
        form=request.form,
    ), status


@bp.get("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def index() -> Any:
    """The surveys of every year and the form that creates the next one."""
    return _index_page({})


@bp.post("/")
@login_required
@permission_required(Permission.RUN_CYCLE)
def create() -> Any:
    """Create the year's survey with its six evaluator groups."""
    data = SurveyInput(
        year=request.form.get("year", type=int) or 0,
        title=request.form.get("title", ""),
        opens_on=_date(request.form.get("opens_on")),
        closes_on=_date(request.form.get("closes_on")),
    )
    try:
        survey = create_survey(db_session(), actor=current_actor(), data=data, now=utcnow())
    except DomainError as error:
        db_session().rollback()
        return _index_page(_field_errors(error), error.status)
    db_session().commit()
    flash(_("Survey created."), "success")
    return redirect(url_for("surveys.show", survey_id=survey.id))


def _survey_page(survey: Survey, errors: dict[str, str], status: int = 200) -> Any:
    session = db_session()
    counts = yearend_counts(session, survey.year)
    scores = yearend_scores(session, survey.year)
    return render_template(
        "survey/office_survey.html",
        survey=survey,
        closes_at=closes_at(survey),
        progress=survey_progress(session, survey),
        units=[
            (member.unit, counts.get(member.unit.code, {}), scores.get(member.unit.code))
            for member in memberships(session, survey.year)
        ],
        errors=errors,
        form=request.form,
    ), status


@bp.get("/<int:survey_id>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def show(survey_id: int) -> Any:
    """Progress per group, issuing invitations, group weights."""
    return _survey_page(survey_by_id(db_session(), survey_id), {})


@bp.post("/<int:survey_id>/groups/<int:group_id>/invitations")
@login_required
@permission_required(Permission.RUN_CYCLE)
def issue(survey_id: int, group_id: int) -> Any:
    """Issue N one-time invitations to one group."""
    survey = survey_by_id(db_session(), survey_id)
    group = group_of(survey, group_id)
    try:
        tokens = issue_invitations(
            db_session(),
            actor=current_actor(),
            group=group,
            count=request.form.get("count", type=int) or 0,
            secret_key=current_app.config["SECRET_KEY"],
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        message = _field_errors(error)
        return _survey_page(
            survey, {f"count-{group_id}": next(iter(message.values()))}, error.status
        )
    db_session().commit()
    flash(_("%(count)d invitations issued.", count=len(tokens)), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id))


@bp.post("/<int:survey_id>/weights")
@login_required
@permission_required(Permission.RUN_CYCLE)
def weights(survey_id: int) -> Any:
    """Weigh the groups in Y, or clear the weights to count every answer equally."""
    survey = survey_by_id(db_session(), survey_id)
    raw = {group.id: request.form.get(f"weight-{group.id}", "") for group in survey.groups}
    try:
        set_group_weights(
            db_session(), actor=current_actor(), survey=survey, weights=raw, now=utcnow()
        )
    except DomainError as error:
        db_session().rollback()
        return _survey_page(
            survey_by_id(db_session(), survey_id), _field_errors(error), error.status
        )
    db_session().commit()
    flash(_("Weights saved."), "success")
    return redirect(url_for("surveys.show", survey_id=survey_id))


@bp.get("/<int:survey_id>/groups/<int:group_id>")
@login_required
@permission_required(Permission.RUN_CYCLE)
def group_page(survey_id: int, group_id: int) -> Any:
    """A group's invitations: the links of the unused ones, and revoking."""
    group = group_of(survey_by_id(db_session(), survey_id), group_id)
    links = invitation_links(
        group_invitations(db_session(), group),
        secret_key=current_app.config["SECRET_KEY"],
        base_url=request.url_root,
    )
    return render_template(
        "survey/office_group.html", group=group, links=links, issued=InvitationStatus.ISSUED
    )


@bp.post("/<int:survey_id>/invitations/<int:invitation_id>/revoke")
@login_required
@permission_required(Permission.RUN_CYCLE)
def revoke(survey_id: int, invitation_id: int) -> Any:
    """Withdraw one unused invitation (audited)."""
    survey = survey_by_id(db_session(), survey_id)
    try:
        invitation = revoke_invitation(
            db_session(),
            actor=current_actor(),
            survey=survey,
            invitation_id=invitation_id,
            now=utcnow(),
        )
    except DomainError as error:
        db_session().rollback()
        flash(error.message, "error")
        return redirect(url_for("surveys.show", survey_id=survey_id))
    group_id = invitation.group_id
    db_session().commit()
    flash(_("Invitation revoked."), "success")
    return redirect(url_for("surveys.group_page", survey_id=survey_id, group_id=group_id))


def _download(survey_id: int, group_id: int, kind: str) -> Response:
    group = group_of(survey_by_id(db_session(), survey_id), group_id)
    links = invitation_links(
        group_invitations(db_session(), group),
        secret_key=current_app.config["SECRET_KEY"],
        base_url=request.url_root,
    )
    if kind == "xlsx":
        body = invitations_workbook(group, links)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = invitation_cards_pdf(group, links), "application/pdf"
    name = f"survey-{group.survey.year}-{group.kind.value}.{kind}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/<int:survey_id>/groups/<int:group_id>/invitations.xlsx")
@login_required
@permission_required(Permission.RUN_CYCLE)
def download_xlsx(survey_id: int, group_id: int) -> Response:
    """The group's invitations with their links, as a workbook."""
    return _download(survey_id, group_id, "xlsx")


@bp.get("/<int:survey_id>/groups/<int:group_id>/invitations.pdf")
@login_required
@permission_required(Permission.RUN_CYCLE)
def download_pdf(survey_id: int, group_id: int) -> Response:
    """The group's unused invitations as printable QR cards."""
    return _download(survey_id, group_id, "pdf")
