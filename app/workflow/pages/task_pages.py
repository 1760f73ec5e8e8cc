"""Pages: the inbox, a task with its form, claim, reassign, and evidence downloads."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import (
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.auth.services import display_names
from app.calendar.workdays import end_of_local_day, local_date
from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.evidence.services import download_evidence, evidence_names, store_evidence
from app.extensions import db_session
from app.org.services import unit_or_none, units_by_id
from app.web.context import current_actor, login_required, permission_required
from app.workflow.definitions.element_names import element_names
from app.workflow.definitions.forms import FormProblem
from app.workflow.instances.queries import (
    diagram_marks,
    instance_history,
    process_choices,
)
from app.workflow.models import InstanceStatus
from app.workflow.pages.blueprint import bp, filter_units, one_page, unit_id_of
from app.workflow.tasks.assignment import assignable_users
from app.workflow.tasks.form_fields import data_from_post, form_fields, saves_draft
from app.workflow.tasks.human_tasks import (
    Completed,
    claim_task,
    complete_task,
    reassign_task,
    task_data,
    unclaim_task,
    visible_task,
)
from app.workflow.tasks.inbox import completed_by, inbox
from app.workflow.tasks.task_forms import task_form

DUE_WINDOWS = {"today": 1, "3d": 3, "7d": 7}  # calendar days, today included


def _due_by(now: datetime) -> datetime | None:
    """The end of the due window the inbox is filtered by (`due`), if any."""
    days = DUE_WINDOWS.get(request.args.get("due", ""))
    return end_of_local_day(local_date(now) + timedelta(days=days - 1)) if days else None


@bp.get("/tasks")
@login_required
@permission_required(Permission.BUSINESS)
def tasks() -> Any:
    """The inbox, soonest due first, filtered by process, unit and lateness."""
    now = utcnow()
    process_key = request.args.get("process") or None
    unit_code = request.args.get("unit") or None
    page, rows, has_next = one_page(
        lambda limit, offset: inbox(
            db_session(),
            current_actor(),
            now=now,
            process_key=process_key,
            unit_id=unit_id_of(unit_code),
            overdue=request.args.get("overdue") == "1",
            due_by=_due_by(now),
            search=request.args.get("q"),
            limit=limit,
            offset=offset,
        )
    )
    return render_template(
        "workflow/tasks.html",
        tasks=rows,
        page=page,
        has_next=has_next,
        now=now,
        process_key=process_key,
        unit_code=unit_code,
        overdue=request.args.get("overdue") == "1",
        due=request.args.get("due", ""),
        search=request.args.get("q", ""),
        units=filter_units(current_actor()),
        processes=process_choices(db_session()),
        unit_of=units_by_id(db_session(), (t.instance.unit_id for t in rows)),
        claimer_of=display_names(db_session(), (t.claimed_by_id for t in rows)),
    )


@bp.get("/tasks/done")
@login_required
@permission_required(Permission.BUSINESS)
def done_tasks() -> Any:
    """The tasks the user completed ("已办"), the latest first, with their processes."""
    page, rows, has_next = one_page(
        lambda limit, offset: completed_by(
            db_session(), current_actor(), limit=limit, offset=offset
        )
    )
    return render_template(
        "workflow/done_tasks.html",
        tasks=rows,
        page=page,
        has_next=has_next,
        unit_of=units_by_id(db_session(), (t.instance.unit_id for t in rows)),
    )


def _form_for(task: Any) -> Any:
    if not task.form:
        return None
    try:
        return task_form(task)
    except FormProblem:
        return None


def _render_task(
    task: Any,
    data: dict[str, Any],
    errors: list[dict[str, str]] | None,
    status: int = 200,
    reassign_error: str | None = None,
) -> Any:
    form = _form_for(task)
    fields = form_fields(form.schema, form.ui_schema, data, errors) if form else []
    _name_files(fields)
    instance = task.instance
    return render_template(
        "workflow/task.html",
        task=task,
        form=form,
        fields=fields,
        instance=instance,
        unit=unit_or_none(db_session(), instance.unit_id),
        people_history=instance_history(db_session(), instance, people_only=True),
        step_names=element_names(instance.definition),
        marks=diagram_marks(db_session(), instance),
        assignable=assignable_users(db_session())
        if current_actor().can(Permission.SUPERVISE)
        else [],
        reassign_error=reassign_error,
        claimer=_claimer(task),
        now=utcnow(),
        unplaced=[e for e in errors or [] if not e["path"]],
        summary=_error_summary(fields, errors),
    ), status


def _error_summary(fields: list[Any], errors: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """The refused fields for the list on top of the form: anchor, label and message."""
    labels = {f.name: f.label for f in fields}
    summary = []
    for error in errors or []:
        name = error["path"].split("/")[0] if error["path"] else ""
        if name in labels:
            summary.append({"anchor": f"f-{name}-field", "label": labels[name], **error})
    return summary


def _name_files(fields: list[Any]) -> None:
    """Give each file field the name of the file it holds, for its download link."""
    files = [f for f in fields if f.is_file and isinstance(f.value, str)]
    lists = [f for f in fields if f.is_file and isinstance(f.value, list)]
    wanted = [f.value for f in files] + [str(i) for f in lists for i in f.value]
    names = evidence_names(db_session(), wanted)
    for found in files:
        found.file_name = names.get(found.value)
    for found in lists:
        found.file_names = {str(i): names[str(i)] for i in found.value if str(i) in names}


def _claimer(task: Any) -> str | None:
    if task.claimed_by_id is None:
        return None
    return display_names(db_session(), [task.claimed_by_id]).get(task.claimed_by_id)


@bp.get("/tasks/<task_id>")
@login_required
@permission_required(Permission.BUSINESS)
def task(task_id: str) -> Any:
    """One task: its form, its process and where it stands."""
    actor = current_actor()
    found = visible_task(db_session(), actor, task_id)
    return _render_task(found, task_data(db_session(), actor, found), None)


def _uploaded_files(task: Any) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Store the posted files as evidence: their ids by field, and the refusals by field."""
    stored, refused = {}, []
    for name, upload in request.files.items():
        if upload and upload.filename:
            try:
                evidence = store_evidence(
                    db_session(),
                    actor=current_actor(),
                    name=upload.filename,
                    content=upload.read(),
                    unit_id=task.instance.unit_id,
                    instance_id=task.instance_id,
                    now=utcnow(),
                )
            except DomainError as error:  # shown next to the file field
                refused.append({"path": name, "message": error.message})
                continue
            stored[name] = evidence.id
    return stored, refused


def _posted(task: Any, form: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The posted form as data, and the files refused (their fields keep what they had)."""
    if not form:
        return {}, []
    stored, refused = _uploaded_files(task)
    return data_from_post(form.schema, form.ui_schema, request.form, stored), refused


def _redraw(task_id: str, typed: dict[str, Any], errors: list[dict[str, str]]) -> Any:
    """The task's form again after a refusal, with everything typed and the errors."""
    actor, session = current_actor(), db_session()
    session.rollback()
    found = visible_task(session, actor, task_id)
    return _render_task(found, {**task_data(session, actor, found), **typed}, errors, 422)


def _after_completion(done: Completed, *, draft: bool = False) -> Any:
    """Where a completion leads: straight to the form step it opened for the same person
    (the same step again when a check sent the work back or a draft was saved), else the inbox."""
    if done.follow_up is not None and done.returned and draft:
        flash(_("Draft saved: the task stays in your inbox."), "success")
        return redirect(url_for("workflow.task", task_id=done.follow_up.id))
    if done.follow_up is not None and done.returned:
        flash(
            _(
                "Your submission was sent back to you: see the reasons above the form and "
                "next to the fields."
            ),
            "danger",
        )
        return redirect(url_for("workflow.task", task_id=done.follow_up.id))
    flash(_("Task completed."), "success")
    if done.instance.status is InstanceStatus.ERROR:
        message = _(
            "The process stopped with an error; the performance office sees it on the "
            "instance page and can retry."
        )
        flash(message, "warning")
    if done.follow_up is not None:
        flash(_("The next step is yours as well."), "info")
        return redirect(url_for("workflow.task", task_id=done.follow_up.id))
    return redirect(url_for("workflow.tasks"))


@bp.post("/tasks/<task_id>")
@login_required
@permission_required(Permission.BUSINESS)
def submit_task(task_id: str) -> Any:
    """Complete the task with the posted form; errors are shown next to their fields, and
    everything typed is shown again."""
    actor, session = current_actor(), db_session()
    found = visible_task(session, actor, task_id)
    form = _form_for(found)
    data, refused = _posted(found, form)
    if refused:
        return _redraw(task_id, data, refused)
    try:
        done = complete_task(session, actor=actor, task_id=task_id, data=data, now=utcnow())
    except InvalidInput as error:
        details = error.details if isinstance(error.details, list) else []
        return _redraw(task_id, data, details or [{"path": "", "message": error.message}])
    session.commit()
    return _after_completion(
        done, draft=bool(form and saves_draft(form.schema, form.ui_schema, data))
    )


@bp.post("/tasks/<task_id>/claim")
@login_required
@permission_required(Permission.BUSINESS)
def claim(task_id: str) -> Any:
    """Claim the task."""
    claim_task(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    db_session().commit()
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.post("/tasks/<task_id>/reassign")
@login_required
@permission_required(Permission.SUPERVISE)
def reassign(task_id: str) -> Any:
    """Give the task to one named user; a wrong name is answered next to the field."""
    actor, session = current_actor(), db_session()
    username = request.form.get("username", "")
    try:
        reassign_task(session, actor=actor, task_id=task_id, username=username, now=utcnow())
    except InvalidInput as error:
        session.rollback()
        found = visible_task(session, actor, task_id)
        return _render_task(found, task_data(session, actor, found), None, 422, error.message)
    session.commit()
    flash(_("The task was given to %(user)s.", user=username.strip()), "success")
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@login_required
@permission_required(Permission.BUSINESS)
def unclaim(task_id: str) -> Any:
    """Release the task."""
    unclaim_task(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    db_session().commit()
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.get("/evidence/<evidence_id>")
@login_required
@permission_required(Permission.BUSINESS)
def evidence(evidence_id: str) -> Any:
    """Download an evidence file, always as an attachment; the download is audited."""
    session = db_session()
    found, stream = download_evidence(
        session, actor=current_actor(), evidence_id=evidence_id, now=utcnow()
    )
    session.commit()
    response = send_file(
        stream, mimetype=found.content_type, as_attachment=True, download_name=found.original_name
    )
    response.content_length = found.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
