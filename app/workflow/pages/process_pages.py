"""Pages: processes (deploy, start, diagrams) and instances (list, detail, retry, terminate)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.auth.roles import Permission
from app.db import utcnow
from app.errors import DomainError, InvalidInput
from app.evidence.services import evidence_names
from app.extensions import db_session
from app.org.services import current_year, memberships, unit_or_none, units_by_id
from app.web.context import current_actor, login_required, permission_required
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.definitions.element_names import element_names
from app.workflow.definitions.error_texts import readable_error
from app.workflow.definitions.forms import ChoiceContext
from app.workflow.instances.queries import (
    definitions_overview,
    diagram_marks,
    instance_history,
    main_diagram,
    open_tasks_of,
    process_choices,
    visible_instances,
)
from app.workflow.instances.recovery import failed_step_data, retry_instance, terminate_instance
from app.workflow.instances.runtime import check_data_size, start_instance
from app.workflow.models import InstanceStatus, ProcessDefinition
from app.workflow.pages.blueprint import bp, filter_units, one_page, unit_id_of
from app.workflow.tasks.assignment import (
    can_see,
    nobody_warnings,
    steps_nobody_can_work,
    tasks_nobody_can_work,
)
from app.workflow.tasks.inbox import visible_instance
from app.workflow.tasks.task_forms import DataLabel, data_labels


@bp.get("/processes")
@login_required
@permission_required(Permission.BUSINESS)
def processes() -> Any:
    """Deployed processes and their versions; deploy and start."""
    return _processes_page()


def _processes_page(start_errors: dict[str, str] | None = None) -> Any:
    """The page; with the start form's errors by field (and what was chosen) after a refusal."""
    year = current_year(db_session())
    return render_template(
        "workflow/processes.html",
        rows=definitions_overview(db_session()),
        units=memberships(db_session(), year),
        year=request.form.get("year", year) if start_errors else year,
        start_errors=start_errors or {},
    ), (422 if start_errors else 200)


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
    try:
        instance = start_instance(
            db_session(),
            actor=current_actor(),
            key=request.form.get("process_key", ""),
            unit_code=request.form.get("unit_code") or None,
            data={"year": year} if year else {},
            now=utcnow(),
        )
    except InvalidInput as error:
        db_session().rollback()
        details = error.details if isinstance(error.details, list) else []
        by_field = {d["path"]: d["message"] for d in details if d.get("path")}
        return _processes_page(by_field or {"process_key": error.message})
    warnings = nobody_warnings(steps_nobody_can_work(db_session(), instance))
    db_session().commit()
    flash(_("Process started."), "success")
    for warning in warnings:
        flash(warning, "warning")
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
    page, rows, has_next = one_page(
        lambda limit, offset: visible_instances(
            session,
            current_actor(),
            status=InstanceStatus(status) if status in set(InstanceStatus) else None,
            process_key=process_key,
            unit_id=unit_id_of(unit_code),
            search=request.args.get("q"),
            limit=limit,
            offset=offset,
        )
    )
    return render_template(
        "workflow/instances.html",
        rows=rows,
        page=page,
        has_next=has_next,
        status=status,
        statuses=list(InstanceStatus),
        process_key=process_key,
        processes=process_choices(session),
        unit_code=unit_code,
        search=request.args.get("q", ""),
        units=filter_units(current_actor()),
        unit_of=units_by_id(session, (i.unit_id for i in rows)),
    )


@bp.get("/instances/<int:instance_id>")
@login_required
@permission_required(Permission.BUSINESS)
def instance(instance_id: int) -> Any:
    """The diagram with finished and current steps, open tasks, history and (office) data."""
    return _instance_page(instance_id)


@dataclass
class DataEntry:
    """One variable of an instance's data as the office reads it: a text, a list, a table (its
    columns' titles and rows) or evidence files (id, name)."""

    title: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    files: list[tuple[str, str | None]] = field(default_factory=list)


def _shown(value: Any, choices: dict[str, str] | None = None) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return (choices or {}).get(str(value), str(value))


def _table(value: list[dict[str, Any]], label: DataLabel) -> tuple[list[str], list[list[str]]]:
    """Column titles and rows of a list of records: the form's columns that hold a value (all
    its keys, by name, where no form describes the records)."""
    named = label.columns or {k: (k, {}) for row in value for k in row}
    shown = [k for k in named if any(row.get(k) not in (None, "") for row in value)]
    rows = [[_shown(row.get(k), named[k][1]) for k in shown] for row in value]
    return [named[k][0] for k in shown], rows


def _data_entry(value: Any, label: DataLabel, file_names: dict[str, str]) -> DataEntry:
    entry = DataEntry(title=label.title)
    ids = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if label.is_file:
        entry.files = [(str(i), file_names.get(str(i))) for i in ids]
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        entry.columns, entry.rows = _table(value, label)
    elif isinstance(value, list):
        entry.items = [_shown(v, label.choices) for v in value]
    elif isinstance(value, dict):
        entry.items = [f"{k}：{_shown(v)}" for k, v in value.items()]
    else:
        entry.text = _shown(value, label.choices)
    return entry


def _readable_data(session: Any, instance: Any) -> list[DataEntry]:
    """The instance's data by the titles its forms give: choices by their labels, records as
    tables, evidence by file name; variables no form names are left to the raw view."""
    forms = {s["form"] for s in instance.definition.task_settings.values() if s.get("form")}
    labels = data_labels(sorted(forms), ChoiceContext(instance.unit_id, instance.year))
    data = {
        name: value
        for name, value in (instance.data or {}).items()
        if name in labels and value not in (None, "", [], {})
    }
    wanted = [
        str(i)
        for name, value in data.items()
        if labels[name].is_file
        for i in (value if isinstance(value, list) else [value])
    ]
    file_names = evidence_names(session, wanted)
    return [_data_entry(value, labels[name], file_names) for name, value in data.items()]


def _instance_page(
    instance_id: int, *, retry_text: str | None = None, retry_error: str | None = None
) -> Any:
    actor, session = current_actor(), db_session()
    found = visible_instance(session, actor, instance_id)
    office = actor.can(Permission.RUN_CYCLE)
    failed = failed_step_data(session, found, actor) if retry_text is None and office else None
    waiting = list(open_tasks_of(session, found))
    return render_template(
        "workflow/instance.html",
        instance=found,
        open_tasks=waiting,
        # Someone else's task of a shared instance is named, not linked: its page would be a 404.
        openable_ids={t.id for t in waiting if can_see(actor, t, found.unit_id)},
        nobody_ids={t.id for t in tasks_nobody_can_work(session, waiting)},
        marks=diagram_marks(session, found),
        history=instance_history(session, found),
        data_rows=_readable_data(session, found) if office else [],
        step_names=element_names(found.definition),
        unit=unit_or_none(session, found.unit_id),
        show_data=office,
        retry_text=retry_text,
        failed_data=failed,
        retry_error=retry_error,
    ), (422 if retry_error else 200)


def _corrected_data(text: str) -> dict[str, Any]:
    """The corrections office staff typed: a JSON object within the task data size cap."""
    try:
        value = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
        raise InvalidInput(_("The data is not valid JSON: %(e)s", e=str(error))) from None
    if not isinstance(value, dict):
        raise InvalidInput(_("The data must be a JSON object."))
    check_data_size(value)
    return value


@bp.post("/instances/<int:instance_id>/retry")
@login_required
@permission_required(Permission.RUN_CYCLE)
def retry(instance_id: int) -> Any:
    """Retry the failed step, with the step's data as corrected on the page."""
    text = request.form.get("data", "")
    try:
        data = _corrected_data(text)
    except InvalidInput as error:
        return _instance_page(instance_id, retry_text=text, retry_error=error.message)
    retry_instance(
        db_session(), actor=current_actor(), instance_id=instance_id, data=data, now=utcnow()
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


@bp.app_template_filter("engine_error")
def engine_error(message: str | None) -> str:
    """An engine error as the office reads it (see `readable_error`)."""
    return readable_error(message)
