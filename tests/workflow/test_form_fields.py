"""Form fields drawn from JSON Schema: read-only context shown as the worker is to read it."""

from __future__ import annotations

from flask import Flask, render_template_string
from werkzeug.datastructures import MultiDict

from app.workflow.definitions.forms import Form, form_errors
from app.workflow.tasks.form_fields import data_from_post, form_fields, saves_draft

SCHEMA = {
    "type": "object",
    "properties": {
        "indicators": {
            "type": "array",
            "title": "报送的绩效指标",
            "readOnly": True,
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "title": "编号"},
                    "kind": {
                        "type": "string",
                        "title": "类别",
                        "oneOf": [
                            {"const": "key_task", "title": "重点工作"},
                            {"const": "duty", "title": "履职履责"},
                        ],
                    },
                    "title": {"type": "string", "title": "指标名称"},
                    "weight": {"type": "number", "title": "权重（分）"},
                },
            },
        },
        "problems": {
            "type": "array",
            "title": "问题",
            "readOnly": True,
            "items": {"type": "string"},
        },
        "decision": {"type": "string", "title": "结论"},
    },
}
UI = {"indicators": {"items": {"id": {"ui:widget": "hidden"}}}}
DATA = {
    "indicators": [
        {"id": 7, "kind": "duty", "title": "依法履职", "weight": 20.0},
        {"id": 8, "kind": "key_task", "title": "营商环境", "weight": 12.5},
        "not a row",
    ],
    "problems": ["权重合计不是 80"],
}


def test_a_read_only_array_of_objects_is_a_table_with_titles_and_choice_labels() -> None:
    indicators, problems, decision = form_fields(SCHEMA, UI, DATA)
    assert indicators.widget == "readonly"
    assert [(c.name, c.label) for c in indicators.columns] == [
        ("kind", "类别"),
        ("title", "指标名称"),
        ("weight", "权重（分）"),
    ]  # the hidden id is left out
    assert indicators.rows == [
        {"kind": "履职履责", "title": "依法履职", "weight": 20},
        {"kind": "重点工作", "title": "营商环境", "weight": 12.5},
    ]
    assert str(indicators.rows[0]["weight"]) == "20"  # whole points without ".0"
    assert problems.widget == "readonly" and problems.columns == []  # a plain list stays a list
    assert decision.widget == "text"


def test_read_only_fields_are_never_taken_from_a_post() -> None:
    posted = MultiDict({"indicators": "forged", "decision": "同意"})
    assert data_from_post(SCHEMA, UI, posted, {}) == {"decision": "同意"}


REPORT = {
    "type": "object",
    "properties": {
        "entries": {
            "type": "array",
            "title": "各项指标进展",
            "items": {
                "type": "object",
                "properties": {
                    "indicator_id": {"type": "integer", "title": "指标编号"},
                    "title": {"type": "string", "title": "指标名称"},
                    "percent": {"type": "integer", "title": "完成进度（%）"},
                },
            },
        }
    },
}
REPORT_UI = {
    "entries": {
        "ui:options": {"addable": False},
        "items": {"indicator_id": {"ui:widget": "hidden"}, "title": {"ui:readonly": True}},
    }
}


def test_a_table_carries_hidden_and_read_only_columns_and_may_offer_no_blank_rows() -> None:
    [entries] = form_fields(REPORT, REPORT_UI, {"entries": [{"indicator_id": 3, "title": "甲"}]})
    assert [(c.name, c.widget) for c in entries.columns] == [
        ("indicator_id", "hidden"),
        ("title", "readonly"),
        ("percent", "number"),
    ]
    assert entries.rows == [{"indicator_id": 3, "title": "甲"}] and not entries.addable
    posted = MultiDict(
        {"entries.0.indicator_id": "3", "entries.0.title": "甲", "entries.0.percent": "60"}
    )
    assert data_from_post(REPORT, REPORT_UI, posted, {}) == {
        "entries": [{"indicator_id": 3, "title": "甲", "percent": 60}]
    }


def test_reasons_sent_back_are_shown_next_to_their_fields_and_stay_listed_on_top() -> None:
    schema = {
        "type": "object",
        "properties": {
            "problems": {"type": "array", "title": "需要修改的问题", "readOnly": True},
            **REPORT["properties"],
            "reason": {"type": "string", "title": "理由"},
        },
    }
    reasons = [
        {"path": "entries/0/percent", "message": "进度须为整数"},
        {"path": "entries", "message": "缺少一项"},
        {"path": "reason", "message": "请填写理由"},
        {"path": "", "message": "请求没有改变任何内容"},
        "一条没有字段的说明",
    ]
    data = {"problems": reasons, "entries": [{"indicator_id": 3, "title": "甲", "percent": 150}]}
    problems, entries, reason = form_fields(schema, REPORT_UI, data)
    assert problems.value == reasons  # the summary on top keeps every reason
    assert reason.errors == ["请填写理由"]
    assert entries.cell_error(0, "percent") == ["进度须为整数"] and 0 in entries.row_errors
    assert "缺少一项" in entries.errors
    assert entries.rows[0]["percent"] == 150  # what was typed is shown again


def test_a_table_total_and_a_save_draft_button_come_from_the_ui_schema() -> None:
    schema = {
        "type": "object",
        "properties": {**REPORT["properties"], "keep": {"type": "boolean", "title": "仅保存"}},
    }
    ui = {
        "entries": {
            **REPORT_UI["entries"],
            "ui:options": {"total": {"column": "percent", "expected": 80}},
        },
        "keep": {"ui:widget": "save_draft"},
    }
    entries, keep = form_fields(schema, ui, {})
    assert (entries.total_column, entries.total_expected) == ("percent", 80)
    assert keep.widget == "save_draft"
    assert data_from_post(schema, ui, MultiDict({"keep": "on"}), {})["keep"] is True
    assert saves_draft(schema, ui, {"keep": True}) and not saves_draft(schema, ui, {"keep": False})
    title_total = {"entries": {"ui:options": {"total": {"column": "title"}}}}
    assert form_fields(REPORT, title_total, {})[0].total_column is None  # only a number column


def test_a_completion_may_not_set_what_its_form_only_shows_or_does_not_declare() -> None:
    form = Form(
        "review",
        SCHEMA | {"properties": {**SCHEMA["properties"], "note": {"type": "string"}}},
        {"note": {"ui:readonly": True}},
    )
    problems = form_errors(
        form, {"decision": "同意", "indicators": [], "note": "x", "unit_code": "JYT"}
    )
    assert [p["path"] for p in problems] == ["indicators", "note", "unit_code"]
    assert form_errors(form, {"decision": "同意"}) == []
    opened = Form("open", {**form.schema, "additionalProperties": True}, {})
    assert [p["path"] for p in form_errors(opened, {"unit_code": "JYT"})] == []
    branched = Form("branch", {"type": "object", "oneOf": [{"properties": {"amount": {}}}]}, {})
    assert form_errors(branched, {"amount": 3}) == []  # declared in a branch
    current = {"indicators": [{"title": "甲"}], "unit_code": "FGW"}
    sent_back = {"decision": "同意", "indicators": [{"title": "甲"}], "unit_code": "FGW"}
    assert form_errors(form, sent_back, current) == []  # unchanged: a round trip
    changed = {**sent_back, "unit_code": "JYT"}
    assert [p["path"] for p in form_errors(form, changed, current)] == ["unit_code"]


def test_read_only_numbers_and_booleans_are_shown_as_values(app: Flask) -> None:
    """A read-only number made the task page fail (it was looped over as a list)."""
    schema = {
        "type": "object",
        "properties": {
            "year": {"type": "integer", "title": "年度", "readOnly": True},
            "agreed": {"type": "boolean", "title": "已同意", "readOnly": True},
        },
    }
    fields = form_fields(schema, {}, {"year": 2026, "agreed": True})
    with app.test_request_context():
        html = render_template_string(
            '{% from "workflow/_fields.html" import render_field %}'
            "{% for f in fields %}{{ render_field(f) }}{% endfor %}",
            fields=fields,
        )
    assert "2026" in html and "是" in html


TABLE = {
    "type": "object",
    "properties": {
        "entries": {
            "type": "array",
            "title": "各项指标进展",
            "items": {
                "type": "object",
                "properties": {
                    "indicator_id": {"type": "integer", "title": "指标编号"},
                    "percent": {"type": "integer", "title": "完成进度（%）", "maximum": 100},
                },
            },
        }
    },
}
TABLE_UI = {"entries": {"items": {"indicator_id": {"ui:widget": "hidden"}}}}


def test_a_table_error_marks_its_row_and_cell_and_says_where(app: object) -> None:
    data = {"entries": [{"indicator_id": 1, "percent": 40}, {"indicator_id": 2, "percent": 150}]}
    with app.test_request_context():  # type: ignore[attr-defined]
        errors = form_errors(Form("t", TABLE, TABLE_UI), data)
        errors.append({"path": "entries/0/indicator_id", "message": "未知指标"})
        (table,) = form_fields(TABLE, TABLE_UI, data, errors)
    assert set(table.row_errors) == {0, 1}
    assert table.cell_error(1, "percent") and not table.cell_error(0, "percent")
    assert table.cell_error(0, "indicator_id") == []  # a hidden column marks only the row
    assert table.errors[0].startswith("第 2 行")
    assert table.rows[1]["percent"] == 150
