"""JSON Schema forms as HTML fields, and posted HTML forms back into JSON data.

A schema's top-level properties become fields, in `ui:order` if the UI schema gives one. Supported:
text, textarea (`ui:widget: textarea` or long strings), number/integer, date and date-time
(`format`), select (`enum`, or `oneOf` of `{const, title}`), checkbox (boolean), checkbox groups
(arrays of enums), tables of rows (arrays of objects with scalar columns; a column may be
`ui:readonly`, shown and carried back as it is, or `ui:widget: hidden`; `ui:options: {addable:
false}` offers no blank rows) and evidence files (`ui:widget: file`, stored by the evidence
service; the value is the file's id, shown read-only as a download link with the file's name).
A `readOnly` (or `ui:readonly`) property is shown, not posted: feedback for the worker, such as
the reasons a draft came back, or what the worker is to judge, such as the drafted indicators (an
array of objects with `items` properties is shown as a table with their titles, choices by their
labels). Reasons given as `{path, message}` (as in an error's details) are also shown next to the
field their path names. A table may show a
running total of a number column (`ui:options: {total: {column, expected}}`); a boolean with
`ui:widget: save_draft` is a second submit button that sets it (the diagram keeps the task with its
worker: save, not submit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

TABLE_BLANK_ROWS = 2


@dataclass
class Choice:
    """One option of a select or checkbox group."""

    value: Any
    label: str


@dataclass
class FormField:
    """One field as the template draws it."""

    name: str
    label: str
    widget: str
    required: bool
    help: str = ""
    value: Any = None
    choices: list[Choice] = field(default_factory=list)
    columns: list[FormField] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    addable: bool = True
    minimum: Any = None
    maximum: Any = None
    step: str | None = None
    errors: list[str] = field(default_factory=list)
    # An evidence file field (editable or shown): its value is the file's id, shown by its name.
    is_file: bool = False
    file_name: str | None = None
    # A shown list of evidence files (an array of file ids): each file's name by its id.
    file_names: dict[str, str] = field(default_factory=dict)
    # A table's running total: the number column summed as the worker types, and what it must be.
    total_column: str | None = None
    total_expected: Any = None
    # A table's errors by row index, and by "row.column" for the cell they are about.
    row_errors: dict[int, list[str]] = field(default_factory=dict)
    cell_errors: dict[str, list[str]] = field(default_factory=dict)

    def cell_error(self, row: int, column: str) -> list[str]:
        """The errors of one cell of a table."""
        return self.cell_errors.get(f"{row}.{column}", [])


def _choices(schema: dict[str, Any]) -> list[Choice]:
    if "enum" in schema:
        return [Choice(v, str(v)) for v in schema["enum"]]
    return [
        Choice(o.get("const"), str(o.get("title", o.get("const"))))
        for o in schema.get("oneOf", [])
        if "const" in o
    ]


def _widget(schema: dict[str, Any], ui: dict[str, Any]) -> str:
    kind = schema.get("type")
    explicit = ui.get("ui:widget")
    if schema.get("readOnly") is True or ui.get("ui:readonly") is True:
        return "readonly"
    if explicit in {"textarea", "file", "radio", "hidden"}:
        return str(explicit)
    if explicit == "save_draft" and kind == "boolean":
        return "save_draft"
    if kind == "array":
        items = schema.get("items", {})
        return "table" if items.get("type") == "object" else "checkboxes"
    if _choices(schema):
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if schema.get("format") in ("date", "date-time"):
        return "date" if schema["format"] == "date" else "datetime"
    if schema.get("maxLength", 0) > 200:
        return "textarea"
    return "text"


def _field(
    name: str, schema: dict[str, Any], ui: dict[str, Any], required: bool, value: Any
) -> FormField:
    widget = _widget(schema, ui)
    built = FormField(
        name=name,
        label=str(schema.get("title", name)),
        widget=widget,
        required=required,
        help=str(ui.get("ui:help", schema.get("description", ""))),
        value=value,
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        step="1" if schema.get("type") == "integer" else "any",
        is_file=ui.get("ui:widget") == "file",
    )
    if widget in ("select", "radio"):
        built.choices = _choices(schema)
    elif widget == "checkboxes":
        built.choices = _choices(schema.get("items", {}))
    elif widget == "table":
        item = schema.get("items", {})
        item_ui = ui.get("items", {})
        columns = _ordered(item.get("properties", {}), item_ui)
        built.columns = [
            _field(
                c, item["properties"][c], item_ui.get(c, {}), c in item.get("required", []), None
            )
            for c in columns
        ]
        rows = value if isinstance(value, list) else []
        options = ui.get("ui:options", {})
        built.addable = options.get("addable", True) is not False
        _set_total(built, options.get("total"))
        blank: list[dict[str, Any]] = [{}] * TABLE_BLANK_ROWS if built.addable else []
        shown = [{k: _cell(v) for k, v in r.items()} for r in rows if isinstance(r, dict)]
        built.rows = shown + blank
    elif widget == "readonly":
        _shown_as_table(built, schema, ui)
    return built


def _set_total(table: FormField, total: Any) -> None:
    """`ui:options: {total: {column, expected}}`: show the column's sum under the table."""
    if not isinstance(total, dict):
        return
    column = next((c for c in table.columns if c.name == total.get("column")), None)
    if column is not None and column.widget == "number":
        table.total_column = column.name
        table.total_expected = total.get("expected")


def _shown_as_table(built: FormField, schema: dict[str, Any], ui: dict[str, Any]) -> None:
    """A read-only array of objects whose item properties are declared: columns by their titles,
    cells by the label of their choice where the column has choices."""
    item = schema.get("items", {})
    if schema.get("type") != "array" or not item.get("properties"):
        return
    item_ui = ui.get("items", {})
    names = [
        c
        for c in _ordered(item["properties"], item_ui)
        if item_ui.get(c, {}).get("ui:widget") != "hidden"
    ]
    built.columns = [
        _field(c, item["properties"][c], item_ui.get(c, {}), False, None) for c in names
    ]
    labels = {
        c.name: {str(choice.value): choice.label for choice in c.choices} for c in built.columns
    }
    rows = built.value if isinstance(built.value, list) else []
    built.rows = [
        {c: labels[c].get(str(row.get(c)), _cell(row.get(c))) for c in names}
        for row in rows
        if isinstance(row, dict)
    ]


def _cell(value: Any) -> Any:
    """A value as a table shows it: 30.0 points read 30."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _ordered(properties: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    order = [n for n in ui.get("ui:order", []) if n in properties]
    return order + [n for n in properties if n not in order]


def form_fields(
    schema: dict[str, Any],
    ui: dict[str, Any],
    data: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
) -> list[FormField]:
    """The fields of a schema's top-level properties, filled from `data`, with errors attached."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = [
        _field(n, properties[n], ui.get(n, {}), n in required, data.get(n))
        for n in _ordered(properties, ui)
    ]
    by_name = {f.name: f for f in fields}
    for error in [*(errors or []), *_reasons_sent_back(fields)]:
        parts = error["path"].split("/") if error["path"] else []
        target = by_name.get(parts[0]) if parts else None
        if target is None:
            continue
        if target.widget == "table" and len(parts) > 1 and parts[1].isdigit():
            _mark_table_error(target, int(parts[1]), parts[2] if len(parts) > 2 else "", error)
        else:
            target.errors.append(error["message"])
    return fields


def _reasons_sent_back(fields: list[FormField]) -> list[dict[str, str]]:
    """The reasons a check sent the work back with, for the fields they name: items
    `{path, message}` of a read-only list (which itself stays on top as their summary)."""
    return [
        {"path": item["path"], "message": item["message"]}
        for f in fields
        if f.widget == "readonly" and isinstance(f.value, list)
        for item in f.value
        if isinstance(item, dict)
        and isinstance(item.get("path"), str)
        and isinstance(item.get("message"), str)
        and item["path"].split("/")[0] != f.name
    ]


def _mark_table_error(table: FormField, row: int, column: str, error: dict[str, str]) -> None:
    """Mark the row and, when the error is about a shown column, the cell; the table's own
    list says which row and column, for a reader who scans below the table."""
    table.row_errors.setdefault(row, []).append(error["message"])
    shown = {c.name: c for c in table.columns if c.widget != "hidden"}
    if column in shown:
        table.cell_errors.setdefault(f"{row}.{column}", []).append(error["message"])
        where = _("Row %(n)d, %(column)s", n=row + 1, column=shown[column].label)
    else:
        where = _("Row %(n)d", n=row + 1)
    table.errors.append(f"{where}：{error['message']}")


def _scalar(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if raw == "":
        return None
    choices = _choices(schema)
    if choices:
        for choice in choices:
            if str(choice.value) == raw:
                return choice.value
        return raw
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def _table(form: MultiDict[str, str], name: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    columns = schema.get("items", {}).get("properties", {})
    rows: list[dict[str, Any]] = []
    index = 0
    while any(f"{name}.{index}.{c}" in form for c in columns):
        row = {c: _scalar(form.get(f"{name}.{index}.{c}", "").strip(), columns[c]) for c in columns}
        row = {k: v for k, v in row.items() if v is not None}
        if row:
            rows.append(row)
        index += 1
    return rows


def data_from_post(
    schema: dict[str, Any], ui: dict[str, Any], form: MultiDict[str, str], files: dict[str, str]
) -> dict[str, Any]:
    """The JSON data a posted form stands for; empty optional fields are left out."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        widget = _widget(prop, ui.get(name, {}))
        if widget == "readonly":
            continue
        if widget in ("checkbox", "save_draft"):
            data[name] = form.get(name) == "on"
            continue
        if widget == "file":
            value: Any = files.get(name) or form.get(f"{name}.current") or None
        elif widget == "checkboxes":
            value = [_scalar(v, prop.get("items", {})) for v in form.getlist(name)]
        elif widget == "table":
            value = _table(form, name, prop)
        else:
            value = _scalar(form.get(name, "").strip(), prop)
        if value not in (None, ""):
            data[name] = value
    return data


def saves_draft(schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether the posted data is a save-draft (its `save_draft` button was pressed)."""
    return any(
        data.get(name) is True and _widget(prop, ui.get(name, {})) == "save_draft"
        for name, prop in schema.get("properties", {}).items()
    )


def display_value(value: Any) -> str:
    """A stored value as a form input shows it."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
