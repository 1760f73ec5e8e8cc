"""Deploying diagrams as new versions of their process keys."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.db import next_number
from app.errors import InvalidInput
from app.workflow.definitions.diagrams import Bundle, Problem, Upload, parse_upload
from app.workflow.definitions.forms import pinned_form_reference
from app.workflow.definitions.lint import lint_bundle
from app.workflow.instances.process_starts import (
    ensure_scheduled,
    start_timer_expression,
    swap_timer_starts,
)
from app.workflow.instances.serialization import dump_spec
from app.workflow.models import ProcessDefinition

MAX_FILES = 50


class DiagramInvalid(InvalidInput):
    """The diagrams cannot be deployed; `details` lists `{message, element_id, file}`."""

    code = "invalid_diagram"


@dataclass(frozen=True)
class DeployResult:
    """The key and version the upload's main process got, warnings, and every version created."""

    key: str
    version: int
    warnings: list[str]
    deployed: list[tuple[str, int]] = field(default_factory=list)


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The newest deployed version of `key`."""
    return session.execute(
        select(ProcessDefinition)
        .where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    ).scalar_one_or_none()


def _warnings(bundle: Bundle, key: str) -> list[str]:
    spec, subs = bundle.specs[key]
    found = []
    by_element = bundle.settings_for(key)
    for process_spec in [spec, *subs.values()]:
        for task_spec in process_spec.task_specs.values():
            settings = by_element.get(getattr(task_spec, "bpmn_id", None) or "")
            if getattr(task_spec, "manual", False) and settings is not None:
                if not settings.get("form"):
                    found.append(f"{task_spec.bpmn_id}: user task has no form")
                if not settings.get("due"):
                    found.append(f"{task_spec.bpmn_id}: user task has no due date")
    return sorted(set(found))


def _uses_lanes(bundle: Bundle, key: str) -> bool:
    spec, subs = bundle.specs[key]
    return any(
        getattr(ts, "lane", None) for s in [spec, *subs.values()] for ts in s.task_specs.values()
    )


def validate_uploads(session: Session, uploads: list[Upload]) -> Bundle:
    """Parse and check the files; raise DiagramInvalid listing every problem."""
    if not uploads:
        raise DiagramInvalid(
            _("Upload at least one BPMN file."), details=[Problem("no files").as_dict()]
        )
    if len(uploads) > MAX_FILES:
        raise DiagramInvalid(_("Too many files."), details=[Problem("too many files").as_dict()])

    def earlier_files(key: str) -> dict[str, str] | None:
        definition = latest_definition(session, key)
        return dict(definition.files) if definition else None

    bundle = parse_upload(uploads, earlier_files)
    for _element, settings in bundle.all_task_settings():
        if settings.get("form"):  # checked and deployed as the stored version it names now
            settings["form"] = pinned_form_reference(settings["form"])
    if not bundle.problems and not bundle.process_ids:
        bundle.problems.append(Problem("the files hold no executable process"))
    if not bundle.problems:
        bundle.problems += [
            replace(
                problem, file=problem.file or bundle.element_files.get(problem.element_id or "")
            )
            for problem in lint_bundle(bundle, current_app.config["FORMS_DIR"])
        ]
    if bundle.problems:
        raise DiagramInvalid(
            _("The diagram has %(n)d problem(s).", n=len(bundle.problems)),
            details=[p.as_dict() for p in bundle.problems],
        )
    return bundle


def _settings_for(bundle: Bundle, key: str) -> dict[str, Any]:
    spec, subs = bundle.specs[key]
    ids = {
        ts.bpmn_id
        for s in [spec, *subs.values()]
        for ts in s.task_specs.values()
        if getattr(ts, "bpmn_id", None)
    }
    return {k: v for k, v in bundle.settings_for(key).items() if k in ids}


def deploy(session: Session, *, actor: Actor, uploads: list[Upload], now: datetime) -> DeployResult:
    """Deploy every executable process of the upload as a new version of its key."""
    if not actor.is_system:
        require(actor, Permission.EDIT_PROCESSES)
    bundle = validate_uploads(session, uploads)
    roots = [pid for pid in bundle.process_ids if pid not in bundle.called] or bundle.process_ids
    deployed: list[tuple[str, int]] = []
    for key in bundle.process_ids:
        spec, subs = bundle.specs[key]
        timer_start = start_timer_expression(spec)
        swap_timer_starts(spec)
        version = next_number(session, ProcessDefinition.version, ProcessDefinition.key == key)
        definition = ProcessDefinition(
            key=key,
            version=version,
            name=spec.description or key,
            dialect=bundle.dialect,
            files=bundle.files,
            spec_json=dump_spec(bundle.dialect, spec, subs),
            task_settings=_settings_for(bundle, key),
            uses_lanes=_uses_lanes(bundle, key),
            warnings=_warnings(bundle, key),
            deployed_at=now,
            deployed_by_id=actor.user_id,
        )
        session.add(definition)
        session.flush()
        ensure_scheduled(session, key, timer_start, now=now)
        deployed.append((key, version))
        record(
            session,
            actor=actor,
            action="process.deploy",
            object_type="process_definition",
            object_id=definition.id,
            after={"key": key, "version": version, "files": sorted(bundle.files)},
            now=now,
        )
    main = roots[0]
    main_version = dict(deployed)[main]
    return DeployResult(main, main_version, _warnings(bundle, main), deployed)
