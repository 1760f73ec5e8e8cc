"""A diagram's script refusing a completion is reported in its own words: without Python's type
name or the engine's English note on where it happened."""

from __future__ import annotations

from flask import Flask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.workflow.tasks.human_tasks import refusal_text


def test_a_scripts_refusal_keeps_only_what_the_script_said(app: Flask) -> None:
    error = SpiffWorkflowException("ValueError:请选择本人负责的一项：领导小组评估")
    error.add_note("Error occurred in the Post-Script")
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert refusal_text(error) == "请选择本人负责的一项：领导小组评估"
        assert refusal_text(ValueError("权重合计应为 80")) == "权重合计应为 80"
        assert refusal_text(KeyError("year")) == "流程数据中没有“year”。"
