"""Process definitions, instances and tasks (CONTRACT)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.api import bp
from app.api.edge import (
    MalformedRequest,
    api_actor,
    body_int,
    json_body,
    query_flag,
    query_int,
    query_text,
    token_required,
)
from app.api.idempotency import idempotent_commit
from app.api.serializers import definition_json, instance_json, task_json
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.workdays import SHANGHAI, end_of_local_day
from app.db import utcnow
from app.extensions import db_session
from app.web.bounds import DATABASE_INT_MAX
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.definitions.forms import FormProblem
from app.workflow.instances.recovery import retry_instance, terminate_instance
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessDefinition
from app.workflow.tasks.assignment import nobody_warnings, steps_nobody_can_work
from app.workflow.tasks.human_tasks import (
    claim_task,
    complete_task,
    reassign_task,
    task_data,
    unclaim_task,
    visible_task,
)
from app.workflow.tasks.inbox import MAX_PAGE, inbox, visible_instance
from app.workflow.tasks.task_forms import task_form


@bp.get("/process-definitions")
@token_required
def list_definitions() -> Any:
    """Every deployed version, newest first within each key."""
    require(api_actor(), Permission.BUSINESS)
    rows = (
        db_session()
        .execute(
            select(ProcessDefinition).order_by(
                ProcessDefinition.key, ProcessDefinition.version.desc()
            )
        )
        .scalars()
    )
    return jsonify([definition_json(d) for d in rows])


@bp.post("/process-definitions")
@token_required
@idempotent_commit
def deploy_definitions() -> Any:
    """Deploy the uploaded BPMN/DMN files (`file`, repeatable) as new versions."""
    files = request.files.getlist("file")
    uploads = [Upload(f.filename or f"upload-{n}.bpmn", f.read()) for n, f in enumerate(files)]
    result = deploy(db_session(), actor=api_actor(), uploads=uploads, now=utcnow())
    db_session().flush()
    return jsonify(
        {
            "key": result.key,
            "version": result.version,
            "warnings": result.warnings,
            "deployed": [{"key": k, "version": v} for k, v in result.deployed],
        }
    ), 201


def _optional(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = body.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise MalformedRequest(
            _("%(name)s has the wrong type.", name=name), details={"field": name}
        )
    return value


@bp.post("/process-instances")
@token_required
@idempotent_commit
def start() -> Any:
    """Start an instance of a deployed process."""
    body = json_body()
    key = body.get("process_key")
    if not isinstance(key, str) or not key:
        raise MalformedRequest(_("process_key is required."), details={"field": "process_key"})
    instance = start_instance(
        db_session(),
        actor=api_actor(),
        key=key,
        version=body_int(body, "version", 1, DATABASE_INT_MAX),
        unit_code=_optional(body, "unit_code", str),
        data=_optional(body, "data", dict),
        now=utcnow(),
    )
    db_session().flush()
    body = instance_json(db_session(), instance, utcnow(), with_events=False)
    answer = {k: body[k] for k in ("id", "status", "tasks", "process_key", "version", "error")}
    answer["warnings"] = nobody_warnings(steps_nobody_can_work(db_session(), instance))
    return jsonify(answer), 201


@bp.get("/process-instances/<int:instance_id>")
@token_required
def show_instance(instance_id: int) -> Any:
    """An instance with its data, open tasks and events."""
    instance = visible_instance(db_session(), api_actor(), instance_id)
    return jsonify(instance_json(db_session(), instance, utcnow()))


@bp.post("/process-instances/<int:instance_id>/retry")
@token_required
@idempotent_commit
def retry(instance_id: int) -> Any:
    """Run a failed step again, optionally after fixing its data (office staff)."""
    body = json_body() if request.data else {}
    instance = retry_instance(
        db_session(),
        actor=api_actor(),
        instance_id=instance_id,
        data=_optional(body, "data", dict),
        now=utcnow(),
    )
    db_session().flush()
    return jsonify(instance_json(db_session(), instance, utcnow()))


@bp.post("/process-instances/<int:instance_id>/terminate")
@token_required
@idempotent_commit
def terminate(instance_id: int) -> Any:
    """Stop an instance for good (office staff)."""
    body = json_body() if request.data else {}
    instance = terminate_instance(
        db_session(),
        actor=api_actor(),
        instance_id=instance_id,
        reason=(_optional(body, "reason", str) or "")[:500],
        now=utcnow(),
    )
    db_session().flush()
    return jsonify(instance_json(db_session(), instance, utcnow()))


@bp.get("/tasks")
@token_required
def list_tasks() -> Any:
    """The caller's inbox; `?overdue=1` keeps overdue tasks only."""
    now = utcnow()
    tasks = inbox(
        db_session(),
        api_actor(),
        now=now,
        overdue=query_flag("overdue"),
        due_by=_due_before(request.args.get("due_before")),
        process_key=request.args.get("process_key") or None,
        search=query_text("q", 100),
        limit=query_int("limit", 100, 1, MAX_PAGE),
        offset=query_int("offset", 0, 0, DATABASE_INT_MAX),
    )
    return jsonify([task_json(t, now) for t in tasks])


_FIRST_MOMENT = datetime(1, 1, 1, tzinfo=UTC)
_LAST_MOMENT = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


def _due_before(text: str | None) -> datetime | None:
    """`due_before`: a date (its end, China Standard Time) or an ISO date and time (China
    Standard Time without an offset), in UTC; a moment beyond UTC's range is its first or last."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            moment = end_of_local_day(date.fromisoformat(text))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedRequest(
            _("due_before must be a date (2026-12-31) or a date and time."),
            details={"field": "due_before"},
        ) from None
    try:
        return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    except OverflowError:
        return _FIRST_MOMENT if moment.year == 1 else _LAST_MOMENT


@bp.get("/tasks/<task_id>")
@token_required
def show_task(task_id: str) -> Any:
    """One task with its form and the data the form starts with."""
    session, actor, now = db_session(), api_actor(), utcnow()
    task = visible_task(session, actor, task_id)
    body = task_json(task, now)
    form = None
    if task.form:
        try:
            loaded = task_form(task)
            form = {"name": loaded.name, "schema": loaded.schema, "ui_schema": loaded.ui_schema}
        except FormProblem:
            form = None
    body["form"] = form
    body["data"] = task_data(session, actor, task)
    return jsonify(body)


@bp.post("/tasks/<task_id>/claim")
@token_required
@idempotent_commit
def claim(task_id: str) -> Any:
    """Claim the task; 409 if someone else has."""
    task = claim_task(db_session(), actor=api_actor(), task_id=task_id, now=utcnow())
    db_session().flush()
    return jsonify(task_json(task, utcnow()))


@bp.post("/tasks/<task_id>/unclaim")
@token_required
@idempotent_commit
def unclaim(task_id: str) -> Any:
    """Release a claimed task."""
    task = unclaim_task(db_session(), actor=api_actor(), task_id=task_id, now=utcnow())
    db_session().flush()
    return jsonify(task_json(task, utcnow()))


@bp.post("/tasks/<task_id>/reassign")
@token_required
@idempotent_commit
def reassign(task_id: str) -> Any:
    """Give the task to a named user (office staff, supervisors)."""
    body = json_body() if request.data else {}
    username = body.get("username")
    if not isinstance(username, str):
        raise MalformedRequest(_("username is required."), details={"field": "username"})
    task = reassign_task(
        db_session(), actor=api_actor(), task_id=task_id, username=username, now=utcnow()
    )
    db_session().flush()
    return jsonify(task_json(task, utcnow()))


@bp.post("/tasks/<task_id>/complete")
@token_required
@idempotent_commit
def complete(task_id: str) -> Any:
    """Complete the task with `{"data": {...}}`."""
    body = json_body()
    data = _optional(body, "data", dict) or {}
    done = complete_task(
        db_session(),
        actor=api_actor(),
        task_id=task_id,
        data=data,
        now=utcnow(),
    )
    db_session().flush()
    body = instance_json(
        db_session(), done.instance, utcnow(), with_events=False, open_tasks=done.open_tasks
    )
    return jsonify({"instance": body})
