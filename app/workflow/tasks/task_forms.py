"""A human task's form as clients see it, and the check of the data submitted for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    return with_choices(form, ChoiceContext(task.instance.unit_id, task.instance.year))


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


def data_labels(form_references: Iterable[str]) -> dict[str, tuple[str, dict[str, str]]]:
    """Variable → (its title, its choices' labels by value) from the forms of a procedure's
    steps, so that a reader of the instance's data sees 分管省领导意见 and 同意, not
    `leader_decision` and `consent`. A form that cannot be loaded adds nothing."""
    labels: dict[str, tuple[str, dict[str, str]]] = {}
    for reference in form_references:
        try:
            form = load_form(reference)
        except FormProblem:
            continue
        for name, prop in form.schema.get("properties", {}).items():
            if isinstance(prop, dict) and prop.get("title") and name not in labels:
                choices = {str(o.get("const")): str(o.get("title")) for o in prop.get("oneOf", [])}
                labels[name] = (str(prop["title"]), choices)
    return labels
