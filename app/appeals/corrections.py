"""The office states an upheld appeal's corrections as a table of the unit's scoring inputs.

Each row names one input of the latest score run's inputs document (CONTRACT's format) by a key
— `indicators[0].completion`, `departmental.leadership`, `deductions`, `bonuses` — with its
label and current value; the office types a new value where the appeal changes it. The
corrected document is read by the scoring package's own reader, so a value out of range is
refused with the scoring input's message.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

DEPARTMENTAL_LABELS = {
    "leadership": "领导班子和领导干部年度考核",
    "party": "党建工作",
    "security": "平安建设",
    "energy": "公共机构节能",
    "budget": "预算绩效管理",
}
_INDICATOR_KEY = re.compile(r"^indicators\[(\d+)\]\.completion$")
_DEPARTMENTAL_KEY = re.compile(r"^departmental\.([a-z]+)$")


@dataclass(frozen=True)
class Change:
    """One input the office changed: its key, label, old and new value (as text)."""

    key: str
    label: str
    old: str
    new: str

    def as_json(self) -> dict[str, str]:
        """The change as stored on the decision."""
        return {"input": self.key, "label": self.label, "old": self.old, "new": self.new}


def unit_document(inputs: dict[str, Any], code: str) -> dict[str, Any]:
    """The unit's entry in an inputs document; KeyError if it has none."""
    for unit in inputs.get("units", []):
        if unit.get("code") == code:
            return dict(unit)
    raise KeyError(code)


def correctable_inputs(unit: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of the corrections table: key, label, current value, and an empty correction."""
    rows = [
        _row(
            f"indicators[{i}].completion",
            f"第{i + 1}项指标核定完成度（权重 {plain(item.get('weight'))}）",
            item.get("completion"),
        )
        for i, item in enumerate(unit.get("indicators", []))
    ]
    for item, pair in unit.get("departmental", {}).items():
        label = f"部门评价：{DEPARTMENTAL_LABELS.get(item, item)}（满分 {plain(pair[1])}）"
        rows.append(_row(f"departmental.{item}", label, pair[0]))
    rows.append(_row("deductions", "过程管理：确认扣分", unit.get("deductions", "0")))
    rows.append(_row("bonuses", "过程管理：确认加分", unit.get("bonuses", "0")))
    return rows


def plain(value: Any) -> str:
    """A number as text without trailing zeros (`0.9000` → `0.9`, `30.00` → `30`)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number.normalize():f}" if number.is_finite() else str(value)


def _row(key: str, label: str, value: Any) -> dict[str, str]:
    return {"key": key, "label": label, "current": plain(value), "corrected": ""}


def indicator_position(key: str) -> int | None:
    """The position of the indicator an `indicators[i].completion` key names, else None."""
    match = _INDICATOR_KEY.match(key)
    return int(match.group(1)) if match else None


def departmental_item(key: str) -> str | None:
    """The item a `departmental.<item>` key names, else None."""
    match = _DEPARTMENTAL_KEY.match(key)
    return match.group(1) if match else None


def current_value(unit: dict[str, Any], key: str) -> str | None:
    """The unit's value of the input `key` names (as text), or None if it has no such input."""
    if match := _INDICATOR_KEY.match(key):
        position = int(match.group(1))
        indicators = unit.get("indicators", [])
        value = indicators[position].get("completion") if position < len(indicators) else None
        return None if value is None else str(value)
    if match := _DEPARTMENTAL_KEY.match(key):
        pair = unit.get("departmental", {}).get(match.group(1))
        return None if pair is None else str(pair[0])
    if key in ("deductions", "bonuses"):
        return str(unit.get(key, "0"))
    return None


def _set(unit: dict[str, Any], key: str, value: str) -> None:
    if match := _INDICATOR_KEY.match(key):
        unit["indicators"][int(match.group(1))]["completion"] = value
    elif match := _DEPARTMENTAL_KEY.match(key):
        unit["departmental"][match.group(1)][0] = value
    else:
        unit[key] = value


def read_changes(unit: dict[str, Any], rows: Any) -> tuple[list[Change], list[str]]:
    """The changes the corrections table states against `unit`, and every problem with it.

    Only a row's key and corrected value are read; label and current value come from the
    inputs themselves, whatever a client sent back."""
    if rows is None:
        rows = []
    if not isinstance(rows, list):
        return [], [_("The corrections must be a table of inputs.")]
    labels = {row["key"]: row["label"] for row in correctable_inputs(unit)}
    changes: list[Change] = []
    problems: list[str] = []
    for row in rows:
        key = row.get("key") if isinstance(row, dict) else None
        corrected = str(row.get("corrected") or "").strip() if isinstance(row, dict) else ""
        if not corrected:
            continue
        current = current_value(unit, key) if isinstance(key, str) else None
        if current is None or key not in labels:
            problems.append(_("%(key)s is not one of the unit's inputs.", key=key))
            continue
        try:
            Decimal(corrected)
        except InvalidOperation:
            problems.append(
                _("%(label)s: %(value)s is not a number.", label=labels[key], value=corrected)
            )
            continue
        if Decimal(corrected) != Decimal(current):
            changes.append(Change(key, labels[key], plain(current), corrected))
    return changes, problems


def corrected_document(inputs: dict[str, Any], code: str, changes: list[Change]) -> dict[str, Any]:
    """A copy of the inputs document with the unit's changed inputs set."""
    document = copy.deepcopy(inputs)
    for unit in document["units"]:
        if unit.get("code") == code:
            for change in changes:
                _set(unit, change.key, change.new)
    return document
