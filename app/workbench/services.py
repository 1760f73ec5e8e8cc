"""The workbench's services: what the properties panel offers, drafts, history and stored forms.

Plain functions with explicit actors; they flush and never commit (the views own the transaction).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import ADMIN_ROLES, Permission, Role
from app.auth.services import require
from app.db import next_number
from app.errors import InvalidInput, NotFound
from app.workbench.changes import Changes, compare
from app.workbench.models import ProcessDraft, StoredForm
from app.workflow.definitions.deploy import latest_definition
from app.workflow.definitions.diagrams import BPMN_NS, Bundle, Problem
from app.workflow.definitions.forms import (
    FORM_NAME,
    SCHEMA_SUFFIX,
    FormProblem,
    check_form_schema,
    load_form,
    pinned_form_reference,
)
from app.workflow.definitions.xml_safety import parse_xml
from app.workflow.instances.queries import main_diagram
from app.workflow.models import InstanceStatus, ProcessDefinition, ProcessInstance
from app.workflow.registry import REGISTRY
from app.workflow.scripting.sandbox import ScriptRejected, compile_code, policy_problems

OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


@dataclass(frozen=True)
class FormEntry:
    """A form the panel may choose: what a diagram writes to name it, and where it lives."""

    name: str
    reference: str
    title: str
    source: str  # "file" or "stored"
    version: int | None


def lane_roles() -> list[dict[str, str]]:
    """The roles a lane may name (business roles), with their labels."""
    return [{"code": r.value, "label": r.label} for r in Role if r not in ADMIN_ROLES]


def registered_operations() -> list[dict[str, Any]]:
    """The service operations with their parameters, for the panel."""
    return [
        {
            "name": op.name,
            "description": op.description,
            "params": [{"name": p, "required": req} for p, req in op.params.items()],
        }
        for op in sorted(REGISTRY.operations.values(), key=lambda o: o.name)
    ]


def code_problems(source: str, mode: str) -> list[str]:
    """Why the sandbox would refuse `source` at deploy (empty when it compiles and is allowed)."""
    if mode not in {"eval", "exec"}:
        raise InvalidInput(_("Unknown kind of code."), details=[{"field": "mode"}])
    if not source.strip():
        return []
    try:
        compile_code(source, mode)
    except ScriptRejected as error:
        return [str(error)]
    return policy_problems(source, mode)


def available_forms(session: Session, forms_dir: str) -> list[FormEntry]:
    """Forms in `forms/` and the latest version of every stored form."""
    entries = []
    for path in sorted(Path(forms_dir).glob(f"*{SCHEMA_SUFFIX}")):
        name = path.name.removesuffix(SCHEMA_SUFFIX)
        try:
            title = str(load_form(name, forms_dir).schema.get("title") or name)
        except FormProblem:
            continue  # a broken file is not offered
        entries.append(FormEntry(name, path.name, title, "file", None))
    latest = (
        select(StoredForm.name, func.max(StoredForm.version).label("version"))
        .group_by(StoredForm.name)
        .subquery()
    )
    stored = session.execute(
        select(StoredForm).join(
            latest, (StoredForm.name == latest.c.name) & (StoredForm.version == latest.c.version)
        )
    ).scalars()
    by_name = {entry.name: entry for entry in entries}
    for form in stored:
        title = str(form.schema.get("title") or form.name)
        # A stored version of a file's form is what deploy pins, so it replaces the file's entry.
        by_name[form.name] = FormEntry(
            form.name, f"{form.name}{SCHEMA_SUFFIX}", title, "stored", form.version
        )
    return sorted(by_name.values(), key=lambda entry: entry.name)


def form_to_edit(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Schema and UI schema of the form a diagram deployed now would get for `name`."""
    try:
        form = load_form(pinned_form_reference(name))
    except FormProblem as error:
        raise NotFound(str(error)) from None
    return form.schema, form.ui_schema


def editor_source(session: Session, key: str) -> tuple[str, int] | None:
    """What the editor opens for a key alone: ("draft", n) when the newest draft was saved after
    the latest deploy, else ("version", n); None when the key has neither."""
    drafts = drafts_of(session, key)
    deployed = latest_definition(session, key)
    if drafts and (deployed is None or drafts[0].saved_at > deployed.deployed_at):
        return "draft", drafts[0].revision
    return ("version", deployed.version) if deployed is not None else None


def stored_versions(session: Session, name: str) -> list[StoredForm]:
    """Every stored version of form `name`, newest first."""
    return list(
        session.execute(
            select(StoredForm).where(StoredForm.name == name).order_by(StoredForm.version.desc())
        ).scalars()
    )


def parse_form_json(text: str, field: str) -> dict[str, Any]:
    """A JSON object typed into the forms editor, or InvalidInput naming the field."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        message = _(
            "This is not valid JSON (line %(line)d, column %(column)d).",
            line=error.lineno,
            column=error.colno,
        )
        raise InvalidInput(message, details=[{"field": field, "message": message}]) from None
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
        message = _("This is not valid JSON: %(e)s", e=str(error))
        raise InvalidInput(message, details=[{"field": field, "message": message}]) from None
    if not isinstance(value, dict):
        message = _("Enter a JSON object.")
        raise InvalidInput(message, details=[{"field": field, "message": message}])
    return value


def check_form(name: str, schema: dict[str, Any], ui_schema: dict[str, Any]) -> None:
    """InvalidInput unless the name is a form name and the schema a valid JSON Schema."""
    if not FORM_NAME.match(name) or name.endswith(SCHEMA_SUFFIX):
        message = _("Use letters, digits, '_' and '-' for the form name.")
        raise InvalidInput(message, details=[{"field": "name", "message": message}])
    try:
        check_form_schema(name, schema, ui_schema)
    except FormProblem as error:
        raise InvalidInput(
            _("The schema is not valid."), details=[{"field": "schema", "message": str(error)}]
        ) from None


def save_form(
    session: Session,
    *,
    actor: Actor,
    name: str,
    schema: dict[str, Any],
    ui_schema: dict[str, Any],
    now: datetime,
) -> StoredForm:
    """Store the form as its next version; earlier versions stay as they are."""
    require(actor, Permission.EDIT_PROCESSES)
    check_form(name, schema, ui_schema)
    if name.rpartition(".v")[2].isdigit():
        message = _("A form name may not end in '.v' and a number (that names a version).")
        raise InvalidInput(message, details=[{"field": "name", "message": message}])
    version = next_number(session, StoredForm.version, StoredForm.name == name)
    form = StoredForm(
        name=name,
        version=version,
        schema=schema,
        ui_schema=ui_schema,
        saved_at=now,
        saved_by_id=actor.user_id,
    )
    session.add(form)
    session.flush()
    record(
        session,
        actor=actor,
        action="form.save",
        object_type="stored_form",
        object_id=form.id,
        after={"name": name, "version": version},
        now=now,
    )
    return form


def process_of(xml: str) -> tuple[str, str]:
    """The key and name of the first executable process of a diagram."""
    root = parse_xml("diagram.bpmn", xml.encode())
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("isExecutable", "true") != "false" and process.get("id"):
            return process.get("id", ""), process.get("name") or process.get("id", "")
    message = _("The diagram holds no executable process.")
    raise InvalidInput(message, details=[{"message": message, "element_id": None}])


def save_draft(
    session: Session, *, actor: Actor, xml: str, file_name: str, now: datetime
) -> ProcessDraft:
    """Keep the diagram as the next draft revision of its process key (nothing is deployed)."""
    require(actor, Permission.EDIT_PROCESSES)
    key, name = process_of(xml)
    revision = next_number(session, ProcessDraft.revision, ProcessDraft.key == key)
    draft = ProcessDraft(
        key=key,
        revision=revision,
        name=name[:200],
        file_name=file_name[:120],
        xml=xml,
        saved_at=now,
        saved_by_id=actor.user_id,
    )
    session.add(draft)
    session.flush()
    record(
        session,
        actor=actor,
        action="process.draft_save",
        object_type="process_draft",
        object_id=draft.id,
        after={"key": key, "revision": revision},
        now=now,
    )
    return draft


def drafts_of(session: Session, key: str) -> list[ProcessDraft]:
    """The draft revisions of `key`, newest first."""
    return list(
        session.execute(
            select(ProcessDraft)
            .where(ProcessDraft.key == key)
            .order_by(ProcessDraft.revision.desc())
        ).scalars()
    )


def draft_revision(session: Session, key: str, revision: int) -> ProcessDraft:
    """One draft revision, or NotFound."""
    draft = session.execute(
        select(ProcessDraft).where(ProcessDraft.key == key, ProcessDraft.revision == revision)
    ).scalar_one_or_none()
    if draft is None:
        raise NotFound(_("No such draft."))
    return draft


def definition_version(session: Session, key: str, version: int) -> ProcessDefinition:
    """One deployed version, or NotFound."""
    definition = session.execute(
        select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
    ).scalar_one_or_none()
    if definition is None:
        raise NotFound(_("No such version."))
    return definition


def version_xml(definition: ProcessDefinition) -> str:
    """The main diagram of a deployed version."""
    xml = main_diagram(definition)
    if xml is None:
        raise NotFound(_("No such version."))
    return xml


def changes_against_deployed(session: Session, xml: str) -> tuple[str, int | None, Changes]:
    """The diagram's key, the latest deployed version of it and what the diagram changes."""
    key, _name = process_of(xml)
    deployed = latest_definition(session, key)
    old = main_diagram(deployed) if deployed is not None else None
    return key, deployed.version if deployed else None, compare(old, xml)


@dataclass(frozen=True)
class VersionRow:
    """One deployed version in the history: who deployed it, when, how many instances run on it."""

    definition: ProcessDefinition
    deployed_by: str
    running: int


def history(session: Session, key: str) -> list[VersionRow]:
    """Every deployed version of `key`, newest first."""
    running = (
        select(ProcessInstance.definition_id, func.count().label("n"))
        .where(ProcessInstance.status.in_(OPEN_STATUSES))
        .group_by(ProcessInstance.definition_id)
        .subquery()
    )
    rows = session.execute(
        select(ProcessDefinition, User.username, running.c.n)
        .outerjoin(User, User.id == ProcessDefinition.deployed_by_id)
        .outerjoin(running, running.c.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
    ).all()
    return [VersionRow(d, username or _("system"), n or 0) for d, username, n in rows]


def unfinished_settings(bundle: Bundle) -> list[Problem]:
    """The workbench's own rule: every user task names a form and a due date."""
    problems = []
    for element, settings in sorted(bundle.all_task_settings(), key=lambda pair: pair[0]):
        if not settings.get("form"):
            problems.append(Problem(_("user task has no form"), element))
        if not settings.get("due"):
            problems.append(Problem(_("user task has no due date"), element))
    return problems
