"""User-task forms: JSON Schema (2020-12) with an optional UI schema, from `forms/` or stored.

A plain `NAME` reads `forms/NAME.schema.json` when it exists, else the latest stored version.
Stored forms (edited in the workbench) are versioned and never changed: `NAME.vN` is version N.
Deploy pins a plain `NAME` that has stored versions to the latest one (`pinned_form_reference`),
so saving a new version changes the form of new diagram versions only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import select

from app.extensions import db_session
from app.workbench.models import StoredForm

CHOICES_FROM = "x-choices-from"
FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")
SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
_STORED_VERSION = re.compile(r"^(.+)\.v([0-9]{1,6})$")


class FormProblem(Exception):
    """The form named by a diagram is missing or is not a valid JSON Schema."""


@dataclass(frozen=True)
class Form:
    """A form's name, its JSON Schema and its UI schema (possibly empty)."""

    name: str
    schema: dict[str, Any]
    ui_schema: dict[str, Any]

    @cached_property
    def has_choice_providers(self) -> bool:
        """Whether some field takes its choices from a provider (`x-choices-from`)."""
        return CHOICES_FROM in json.dumps(self.schema)


@dataclass(frozen=True)
class ChoiceContext:
    """What a choice provider may depend on: the task's unit and year, and the user the task
    is assigned to (None when it goes to a role), whose own work a choice may be limited to."""

    unit_id: int | None
    year: int | None
    user_id: int | None = None


# A provider returns (value, label) pairs, e.g. the experts the office may choose.
ChoiceProvider = Callable[[ChoiceContext], list[tuple[Any, str]]]
CHOICE_PROVIDERS: dict[str, ChoiceProvider] = {}


def register_choices(name: str, provider: ChoiceProvider) -> None:
    """Let forms name `provider` in `x-choices-from`."""
    if name in CHOICE_PROVIDERS:
        raise ValueError(f"choice provider {name} registered twice")
    CHOICE_PROVIDERS[name] = provider


def choice_provider_problems(schema: Any) -> list[str]:
    """Unknown providers named anywhere in a schema (a deploy error)."""
    if isinstance(schema, dict):
        found = []
        name = schema.get(CHOICES_FROM)
        if name is not None and name not in CHOICE_PROVIDERS:
            found.append(f"{CHOICES_FROM}: no choice provider named {name!r}")
        return found + [p for v in schema.values() for p in choice_provider_problems(v)]
    if isinstance(schema, list):
        return [p for v in schema for p in choice_provider_problems(v)]
    return []


def _with_choices(node: Any, context: ChoiceContext) -> Any:
    if isinstance(node, list):
        return [_with_choices(v, context) for v in node]
    if not isinstance(node, dict):
        return node
    resolved = {k: _with_choices(v, context) for k, v in node.items()}
    provider = CHOICE_PROVIDERS.get(str(node.get(CHOICES_FROM)))
    if provider is not None:
        choices = provider(context)
        if choices:
            resolved["oneOf"] = [{"const": value, "title": label} for value, label in choices]
        else:
            resolved["enum"] = []  # nothing to choose: every value is refused
    return resolved


def with_choices(form: Form, context: ChoiceContext) -> Form:
    """The form with the choices of its providers declared in the schema, as clients and the
    server-side validation see it (CONTRACT: every choice is declared in the schema)."""
    if not form.has_choice_providers:
        return form
    return replace(form, schema=_with_choices(form.schema, context))


def form_name(reference: str) -> str:
    """`NAME` from `NAME.schema.json` (spiff) or `NAME` (Camunda formKey)."""
    name = reference.strip().removesuffix(SCHEMA_SUFFIX)
    if not FORM_NAME.match(name):
        raise FormProblem(f"{reference!r} is not a form name")
    return name


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FormProblem(f"{path.name}: {error}") from None
    if not isinstance(value, dict):
        raise FormProblem(f"{path.name}: a schema must be a JSON object")
    return value


@lru_cache(maxsize=256)
def _load(directory: str, name: str, mtime: float) -> Form:
    base = Path(directory)
    schema = _read_json(base / f"{name}{SCHEMA_SUFFIX}")
    ui_path = base / f"{name}{UI_SUFFIX}"
    ui_schema = _read_json(ui_path) if ui_path.exists() else {}
    check_form_schema(name, schema, ui_schema)
    return Form(name, schema, ui_schema)


def _stored(name: str) -> StoredForm | None:
    """Version N of a stored form for `NAME.vN`, the latest version for a plain `NAME`."""
    query = select(StoredForm).where(StoredForm.name == name)
    match = _STORED_VERSION.match(name)
    if match:
        query = select(StoredForm).where(
            StoredForm.name == match.group(1), StoredForm.version == int(match.group(2))
        )
    return db_session().execute(query.order_by(StoredForm.version.desc()).limit(1)).scalar()


def check_form_schema(name: str, schema: Any, ui_schema: Any) -> None:
    """FormProblem unless `schema` is a valid JSON Schema object and `ui_schema` an object."""
    if not isinstance(schema, dict) or not isinstance(ui_schema, dict):
        raise FormProblem(f"{name}: a schema must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise FormProblem(
            f"{name}{SCHEMA_SUFFIX} is not a valid JSON Schema: {error.message}"
        ) from None


def load_form(reference: str, directory: str | None = None) -> Form:
    """The form `reference` names, validated; FormProblem if it is missing or broken."""
    name = form_name(reference)
    base = Path(directory or current_app.config["FORMS_DIR"])
    path = base / f"{name}{SCHEMA_SUFFIX}"
    if path.is_file():
        return _load(str(base), name, path.stat().st_mtime)
    stored = _stored(name)
    if stored is None:
        raise FormProblem(
            f"form {name}{SCHEMA_SUFFIX} does not exist in forms/ nor as a stored form"
        )
    check_form_schema(name, stored.schema, stored.ui_schema)
    return Form(name, stored.schema, stored.ui_schema)


def pinned_form_reference(reference: str) -> str:
    """`NAME.vN.schema.json` for a plain `NAME` with stored versions (N the latest); else as is."""
    try:
        name = form_name(reference)
    except FormProblem:
        return reference
    if _STORED_VERSION.match(name):
        return reference
    stored = _stored(name)
    return f"{name}.v{stored.version}{SCHEMA_SUFFIX}" if stored is not None else reference


def _path_of(error: Any) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        parts += missing[:1]
    return "/".join(parts) or ""


def _message(error: Any) -> str:
    """A schema error in the user's language, for the common keywords; else jsonschema's text."""
    value = error.validator_value
    messages = {
        "required": lambda: _("This field is required."),
        "minLength": lambda: _("Enter at least %(n)d characters.", n=value),
        "maxLength": lambda: _("Enter at most %(n)d characters.", n=value),
        "minimum": lambda: _("Must be at least %(n)s.", n=value),
        "maximum": lambda: _("Must be at most %(n)s.", n=value),
        "exclusiveMinimum": lambda: _("Must be more than %(n)s.", n=value),
        "exclusiveMaximum": lambda: _("Must be less than %(n)s.", n=value),
        "enum": lambda: _("Choose one of the options."),
        "oneOf": lambda: _("Choose one of the options."),
        "type": lambda: _("This value has the wrong format."),
        "format": lambda: _("This value has the wrong format (%(f)s).", f=value),
        "pattern": lambda: _("This value has the wrong format."),
        "minItems": lambda: _("Add at least %(n)d rows or choices.", n=value),
        "maxItems": lambda: _("Add at most %(n)d rows or choices.", n=value),
    }
    build = messages.get(error.validator)
    return str(build()) if build else str(error.message)


def form_errors(
    form: Form, data: Any, current: Mapping[str, Any] | None = None
) -> list[dict[str, str]]:
    """Every way `data` breaks the form's schema, each with its field path; and the keys that
    are not the form's to set: submitted data goes into the process's variables, so a
    completion may not change what the form shows read-only (the drafts a reviewer judges)
    nor variables the form does not ask for (unless its schema opens `additionalProperties`).
    A key sent back as it stands in `current` (the task's data) changes nothing and passes: a
    client may return the data it read with its fields filled in."""
    validator = Draft202012Validator(
        form.schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [
        {"path": _path_of(error), "message": _message(error)}
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    return _fields_not_to_set(form, data, current or {}) + errors


def unchanged(current: Mapping[str, Any], key: str, value: Any) -> bool:
    """Whether `value` is what `current` already holds at `key` (compared as JSON)."""
    if key not in current:
        return False
    as_json = partial(json.dumps, sort_keys=True, default=str)
    return bool(as_json(current[key]) == as_json(value))


def _fields_not_to_set(form: Form, data: Any, current: Mapping[str, Any]) -> list[dict[str, str]]:
    if not isinstance(data, dict):
        return []
    properties = form.schema.get("properties", {})
    declared_anywhere = _declared_names(form.schema)
    opened = form.schema.get("additionalProperties", False) is not False
    problems = []
    for key, value in data.items():
        if unchanged(current, key, value):
            continue
        declared = properties.get(key)
        shown_only = form.ui_schema.get(key, {}).get("ui:readonly") is True
        if isinstance(declared, dict) and (declared.get("readOnly") is True or shown_only):
            problems.append({"path": key, "message": _("This field is read-only.")})
        elif key not in declared_anywhere and not opened:
            problems.append({"path": key, "message": _("This form has no such field.")})
    return problems


_BRANCHES = ("allOf", "anyOf", "oneOf")


def _declared_names(schema: Any) -> set[str]:
    """The top-level property names a schema declares, in `properties` or in the branches of
    its `allOf`/`anyOf`/`oneOf` and `if`/`then`/`else`."""
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {}))
    parts = [
        *(b for key in _BRANCHES for b in schema.get(key, [])),
        schema.get("then"),
        schema.get("else"),
    ]
    for part in parts:
        names |= _declared_names(part)
    return names
