"""Indicators in a form's selects are named, never shown by their internal ids (issue 18)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.indicators.models import Indicator, IndicatorKind, IndicatorVersion
from app.indicators.procedure import titled_choices
from tests.indicators.drive import only_task
from tests.workflow.helpers import bearer, start


def _indicator(indicator_id: int, title: str, kind: IndicatorKind) -> Indicator:
    indicator = Indicator(id=indicator_id, kind=kind, current_version=1)
    indicator.versions = [IndicatorVersion(number=1, title=title)]
    return indicator


def test_repeated_names_are_told_apart_by_kind_then_by_a_running_number(app: Flask) -> None:
    indicators = [
        _indicator(11, "营商环境", IndicatorKind.KEY_TASK),
        _indicator(12, "依法履职", IndicatorKind.KEY_TASK),
        _indicator(13, "依法履职", IndicatorKind.DUTY),
        _indicator(14, "政务公开", IndicatorKind.DUTY),
        _indicator(15, "政务公开", IndicatorKind.DUTY),
    ]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert titled_choices(indicators) == [
            (11, "营商环境"),
            (12, "依法履职（重点工作任务）"),
            (13, "依法履职（履职履责）"),
            (14, "政务公开（履职履责）（1）"),
            (15, "政务公开（履职履责）（2）"),
        ]


def test_the_served_draft_form_names_the_units_indicators_without_ids(
    shipped: FlaskClient,
) -> None:
    client = shipped
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": 2026}
    )
    draft = only_task(client, bearer(client, "unit1"), "draft")
    choices = draft["form"]["schema"]["properties"]["indicators"]["items"]["properties"]["id"]
    titles = {row["id"]: row["title"] for row in draft["data"]["indicators"]}
    assert {o["const"]: o["title"] for o in choices["oneOf"]} == titles
