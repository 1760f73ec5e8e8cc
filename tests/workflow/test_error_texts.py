"""English left in errors (issue 18): the engine's, Python's and the form editor's words are
phrased in Chinese, what a diagram or service said inside them kept."""

from __future__ import annotations

import pytest
from flask import Flask

from app.errors import InvalidInput
from app.workbench.services import parse_form_json
from app.workflow.definitions.error_texts import readable_error


def test_engine_and_python_errors_read_in_chinese(app: Flask) -> None:
    with app.test_request_context():
        assert readable_error("service task failed: 单位不存在") == "服务任务执行失败：单位不存在"
        assert readable_error("service task failed: division by zero") == (
            "服务任务执行失败：除数为零"
        )
        assert readable_error("Error evaluating: name 'weigth' is not defined") == (
            "表达式计算失败：名称“weigth”未定义"
        )
        # A start without the data its first step needs (rectification without `kind`).
        assert (
            readable_error(
                "service task failed: Error evaluating expression 'kind'.  "
                "Did you mean one of '['year', 'unit_code']'?"
            )
            == "服务任务执行失败：表达式“kind”用到了流程数据中没有的名称"
            "（现有数据：year、unit_code）。"
        )
        assert readable_error("Error evaluating expression 'x'. Did you mean 'y'?") == (
            "表达式“x”用到了流程数据中没有的名称（现有数据：y）。"
        )
        assert readable_error("Error evaluating expression 'a / b'") == "表达式“a / b”计算失败。"
        assert readable_error("'year'") == "流程数据中没有“year”。"
        assert readable_error("指标不存在") == "指标不存在"


def test_a_form_editor_json_error_names_its_line_and_column_in_chinese(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        parse_form_json('{\n  "type": "object",\n  "title" "x"\n}', "schema")
    assert refused.value.message == "JSON 格式不正确（第 3 行第 11 列）。"
    assert refused.value.details == [{"field": "schema", "message": refused.value.message}]
