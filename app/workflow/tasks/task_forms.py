"""A human task's form as clients see it, and the check of the data submitted for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.errors import InvalidInput
from app.workflow.definitions.forms import (
    ChoiceContext,
    Form,
    FormProblem,
    form_errors,
    load_form,
    unchanged,
    with_choices,
)
from app.workflow.instances.runtime import check_data_size
from app.workflow.models import HumanTask


def task_form(task: HumanTask) -> Form:
    """The task's form with its provided choices declared (FormProblem if it is broken)."""
    form = load_form(task.form or "")
    if not form.has_choice_providers:
        return form
    context = ChoiceContext(task.instance.unit_id, task.instance.year, task.user_id)
    return with_choices(form, context)


def validated_form_data(
    task: HumanTask, data: Any, current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The submitted data, if it is an object of allowed size that the task's form accepts,
    without the keys it sends back as they stand in `current` (the task's data): those change
    nothing, and a form may not set some of them."""
    if not isinstance(data, dict):
        raise InvalidInput(
            _("The data must be an object."), details=[{"path": "", "message": "not an object"}]
        )
    check_data_size(data)
    if task.form:
        try:
            form = task_form(task)
        except FormProblem as error:
            raise InvalidInput(str(error)) from None
        errors = form_errors(form, data, current)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), details=errors)
        return {k: v for k, v in data.items() if not unchanged(current or {}, k, v)}
    return data


@dataclass(frozen=True)
class DataLabel:
    """How a procedure's forms name one variable: its title, its choices' labels by value, a
    table's shown columns (name → title and choices) and whether it holds evidence file ids."""

    title: str
    choices: dict[str, str]
    columns: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    is_file: bool = False


def _choice_labels(prop: dict[str, Any]) -> dict[str, str]:
    options = prop.get("oneOf") or prop.get("items", {}).get("oneOf") or []
    return {str(o.get("const")): str(o.get("title")) for o in options if isinstance(o, dict)}


def _columns(prop: dict[str, Any], ui: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    item = prop.get("items", {})
    if not isinstance(item, dict) or item.get("type") != "object":
        return {}
    item_ui = ui.get("items", {})
    return {
        name: (str(column.get("title", name)), _choice_labels(column))
        for name, column in item.get("properties", {}).items()
        if isinstance(column, dict) and item_ui.get(name, {}).get("ui:widget") != "hidden"
    }


def data_labels(
    form_references: Iterable[str], context: ChoiceContext | None = None
) -> dict[str, DataLabel]:
    """Variable → its DataLabel from the forms of a procedure's steps, so that a reader of the
    instance's data sees 分管省领导意见 and 同意, not `leader_decision` and `consent`, and a
    table by its columns' titles. A form that cannot be loaded adds nothing."""
    labels: dict[str, DataLabel] = {}
    for reference in form_references:
        try:
            form = load_form(reference)
            if context is not None:
                form = with_choices(form, context)
        except FormProblem:
            continue
        for name, prop in form.schema.get("properties", {}).items():
            if isinstance(prop, dict) and prop.get("title") and name not in labels:
                ui = form.ui_schema.get(name, {})
                labels[name] = DataLabel(
                    title=str(prop["title"]),
                    choices=_choice_labels(prop),
                    columns=_columns(prop, ui if isinstance(ui, dict) else {}),
                    is_file=isinstance(ui, dict) and ui.get("ui:widget") == "file",
                )
    return labels
