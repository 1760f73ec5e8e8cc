"""Pages: the inbox, a task with its form, processes (deploy, start), instances."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.evidence.services import readable_evidence, store_evidence
from app.extensions import db_session
from app.org.services import current_year, memberships, unit_by_code, units_by_id
from app.web.context import current_actor, login_required, permission_required
from app.workflow.deploy import deploy
from app.workflow.diagrams import Upload
from app.workflow.form_fields import data_from_post, form_fields
from app.workflow.forms import FormProblem
from app.workflow.human_tasks import (
    claim_task,
    complete_task,
    task_data,
    unclaim_task,
    visible_task,
)
from app.workflow.inbox import inbox, visible_instance
from app.workflow.models import InstanceStatus, ProcessDefinition
from app.workflow.queries import (
    definitions_overview,
    diagram_marks,
    instance_history,
    main_diagram,
    process_choices,
    visible_instances,
)
from app.workflow.recovery import retry_instance, terminate_instance
from app.workflow.runtime import start_instance
from app.workflow.task_forms import task_form

bp = Blueprint("workflow", __name__, template_folder="templates")


def _unit_id(code: str | None) -> int | None:
    return unit_by_code(db_session(), code).id if code else None


@bp.get("/tasks")
@login_required
@permission_required(Permission.BUSINESS)
def tasks() -> Any:
    """The inbox, soonest due first, filtered by process, unit and lateness."""
    now = utcnow()
    process_key = request.args.get("process") or None
    unit_code = request.args.get("unit") or None
    rows = inbox(
        db_session(),
        current_actor(),
        now=now,
        process_key=process_key,
        unit_id=_unit_id(unit_code),
        overdue=request.args.get("overdue") == "1",
        limit=500,
    )
    return render_template(
        "workflow/tasks.html",
        tasks=rows,
        now=now,
        process_key=process_key,
        unit_code=unit_code,
        overdue=request.args.get("overdue") == "1",
        units=memberships(db_session(), current_year(db_session())),
        processes=process_choices(db_session()),
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
    task: Any, data: dict[str, Any], errors: list[dict[str, str]] | None, status: int = 200
) -> Any:
    form = _form_for(task)
    fields = form_fields(form.schema, form.ui_schema, data, errors) if form else []
    instance = task.instance
    return render_template(
        "workflow/task.html",
        task=task,
        form=form,
        fields=fields,
        instance=instance,
        unit=units_by_id(db_session(), [instance.unit_id]).get(instance.unit_id or 0),
        people_history=[h for h in instance_history(db_session(), instance) if h.actor_name],
        marks=diagram_marks(db_session(), instance),
        now=utcnow(),
        unplaced=[e for e in errors or [] if not e["path"]],
    ), status


@bp.get("/tasks/<task_id>")
@login_required
@permission_required(Permission.BUSINESS)
def task(task_id: str) -> Any:
    """One task: its form, its process and where it stands."""
    actor = current_actor()
    found = visible_task(db_session(), actor, task_id)
    return _render_task(found, task_data(db_session(), actor, found), None)


def _uploaded_files(task: Any) -> dict[str, str]:
    stored = {}
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
                raise InvalidInput(
                    error.message, details=[{"path": name, "message": error.message}]
                ) from None
            stored[name] = evidence.id
    return stored


@bp.post("/tasks/<task_id>")
@login_required
@permission_required(Permission.BUSINESS)
def submit_task(task_id: str) -> Any:
    """Complete the task with the posted form; errors are shown next to their fields."""
    actor = current_actor()
    found = visible_task(db_session(), actor, task_id)
    form = _form_for(found)
    data: dict[str, Any] = {}
    try:
        data = (
            data_from_post(form.schema, form.ui_schema, request.form, _uploaded_files(found))
            if form
            else {}
        )
        instance = complete_task(
            db_session(), actor=actor, task_id=task_id, data=data, now=utcnow()
        ).instance
    except InvalidInput as error:
        db_session().rollback()
        found = visible_task(db_session(), actor, task_id)
        details = error.details if isinstance(error.details, list) else []
        return _render_task(found, data, details or [{"path": "", "message": error.message}], 422)
    db_session().commit()
    flash(_("Task completed."), "success")
    if instance.status is InstanceStatus.ERROR:
        message = _(
            "The process stopped with an error; the performance office sees it on the "
            "instance page and can retry."
        )
        flash(message, "warning")
    return redirect(url_for("workflow.tasks"))


@bp.post("/tasks/<task_id>/claim")
@login_required
@permission_required(Permission.BUSINESS)
def claim(task_id: str) -> Any:
    """Claim the task."""
    claim_task(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    db_session().commit()
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim")
@login_required
@permission_required(Permission.BUSINESS)
def unclaim(task_id: str) -> Any:
    """Release the task."""
    unclaim_task(db_session(), actor=current_actor(), task_id=task_id, now=utcnow())
    db_session().commit()
    return redirect(url_for("workflow.task", task_id=task_id))


@bp.get("/processes")
@login_required
@permission_required(Permission.BUSINESS)
def processes() -> Any:
    """Deployed processes and their versions; deploy and start."""
    year = current_year(db_session())
    return render_template(
        "workflow/processes.html",
        rows=definitions_overview(db_session()),
        units=memberships(db_session(), year),
        year=year,
    )


@bp.post("/processes/deploy")
@login_required
@permission_required(Permission.EDIT_PROCESSES)
def deploy_upload() -> Any:
    """Deploy uploaded diagrams; problems are listed with their elements."""
    uploads = [
        Upload(f.filename or "upload.bpmn", f.read()) for f in request.files.getlist("file") if f
    ]
    try:
        result = deploy(db_session(), actor=current_actor(), uploads=uploads, now=utcnow())
    except DomainError as error:
        db_session().rollback()
        details = error.details if isinstance(error.details, list) else []
        return render_template(
            "workflow/deploy_problems.html", message=error.message, problems=details
        ), error.status
    db_session().commit()
    flash(
        _("Deployed %(key)s version %(version)d.", key=result.key, version=result.version),
        "success",
    )
    for warning in result.warnings:
        flash(warning, "warning")
    return redirect(url_for("workflow.processes"))


@bp.post("/processes/start")
@login_required
@permission_required(Permission.BUSINESS)
def start() -> Any:
    """Start an instance of a process for a unit and year."""
    year = request.form.get("year", type=int)
    instance = start_instance(
        db_session(),
        actor=current_actor(),
        key=request.form.get("process_key", ""),
        unit_code=request.form.get("unit_code") or None,
        data={"year": year} if year else {},
        now=utcnow(),
    )
    db_session().commit()
    flash(_("Process started."), "success")
    return redirect(url_for("workflow.instance", instance_id=instance.id))


@bp.get("/processes/<key>/<int:version>.bpmn")
@login_required
@permission_required(Permission.BUSINESS)
def diagram_xml(key: str, version: int) -> Any:
    """The BPMN XML of a version, for the viewer and for download."""
    from sqlalchemy import select  # noqa: PLC0415

    definition = (
        db_session()
        .execute(
            select(ProcessDefinition).where(
                ProcessDefinition.key == key, ProcessDefinition.version == version
            )
        )
        .scalar_one_or_none()
    )
    xml = main_diagram(definition) if definition else None
    if xml is None:
        abort(404)
    response = Response(xml, mimetype="application/xml")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{key}-v{version}.bpmn"'
    return response


@bp.get("/instances")
@login_required
@permission_required(Permission.BUSINESS)
def instances() -> Any:
    """Instances the user may see, by status, process and unit."""
    session = db_session()
    status = request.args.get("status") or None
    process_key = request.args.get("process") or None
    unit_code = request.args.get("unit") or None
    rows = visible_instances(
        session,
        current_actor(),
        status=InstanceStatus(status) if status in set(InstanceStatus) else None,
        process_key=process_key,
        unit_id=_unit_id(unit_code),
    )
    return render_template(
        "workflow/instances.html",
        rows=rows,
        status=status,
        statuses=list(InstanceStatus),
        process_key=process_key,
        processes=process_choices(session),
        unit_code=unit_code,
        units=memberships(session, current_year(session)),
        unit_of=units_by_id(session, (i.unit_id for i in rows)),
    )


@bp.get("/instances/<int:instance_id>")
@login_required
@permission_required(Permission.BUSINESS)
def instance(instance_id: int) -> Any:
    """The diagram with finished and current steps, open tasks, events and (office) data."""
    from app.api.serializers import instance_json  # noqa: PLC0415

    actor = current_actor()
    found = visible_instance(db_session(), actor, instance_id)
    detail = instance_json(db_session(), found, utcnow(), with_events=False)
    return render_template(
        "workflow/instance.html",
        instance=found,
        detail=detail,
        marks=diagram_marks(db_session(), found),
        history=instance_history(db_session(), found),
        unit=units_by_id(db_session(), [found.unit_id]).get(found.unit_id or 0),
        show_data=actor.can(Permission.RUN_CYCLE),
    )


@bp.post("/instances/<int:instance_id>/retry")
@login_required
@permission_required(Permission.RUN_CYCLE)
def retry(instance_id: int) -> Any:
    """Retry the failed step."""
    retry_instance(
        db_session(), actor=current_actor(), instance_id=instance_id, data=None, now=utcnow()
    )
    db_session().commit()
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/terminate")
@login_required
@permission_required(Permission.RUN_CYCLE)
def terminate(instance_id: int) -> Any:
    """Terminate the instance."""
    terminate_instance(
        db_session(),
        actor=current_actor(),
        instance_id=instance_id,
        reason=request.form.get("reason", "")[:500],
        now=utcnow(),
    )
    db_session().commit()
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.get("/evidence/<evidence_id>")
@login_required
@permission_required(Permission.BUSINESS)
def evidence(evidence_id: str) -> Any:
    """Download an evidence file, always as an attachment."""
    found, path = readable_evidence(db_session(), current_actor(), evidence_id)
    response = send_file(
        path, mimetype=found.content_type, as_attachment=True, download_name=found.original_name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
