"""Issue 18's rule on the shipped procedures: a form for a decision shows, read-only, what the
decision is about and every earlier opinion in the procedure, read from the served task
(GET /api/v1/tasks/<id>: its form's schema and its data)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from typing import Any

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from app.calendar.workdays import SHANGHAI, WorkdayCalendar, local_date
from app.extensions import db
from app.indicators.models import Indicator, IndicatorStatus
from app.verification.queries import verified_indicators
from app.workflow.models import HumanTask
from tests.indicators.drive import done, only_task, weighted, work
from tests.indicators.test_progress_reporting import YEAR, _unit, approved  # noqa: F401
from tests.workflow.helpers import bearer, complete, start

# Early July 2026, while June's report is open (its cut-off lies weeks ahead).
JULY = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
NOTE = "重点工作按年度任务分解，履职指标依据三定职责。"


def shown(task: dict[str, Any], **expected: Any) -> None:
    """Each field is declared read-only in the task's served form and holds the expected value."""
    properties = task["form"]["schema"]["properties"]
    for name, value in expected.items():
        assert properties.get(name, {}).get("readOnly") is True, (task["spec_id"], name)
        assert task["data"].get(name) == value, (task["spec_id"], name, task["data"].get(name))


def test_every_setting_step_shows_the_opinions_before_it(shipped: FlaskClient) -> None:
    client = shipped
    unit = bearer(client, "unit1")
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft = only_task(client, unit, "draft")
    rows = weighted(draft["data"]["indicators"], [30, 30, 20])
    done(client, unit, draft, indicators=rows, note=NOTE)

    sign = work(
        client, "head1", "head_signoff", signed=True, head_decision="approve", head_comment="同意"
    )
    shown(sign, note=NOTE)
    check = work(
        client,
        "office1",
        "office_check",
        office_decision="review",
        experts=["expert1", "expert2"],
        office_comment="请重点评审目标值的可量化程度",
    )
    shown(check, note=NOTE, head_comment="同意")
    for name, recommendation in (("expert1", "revise"), ("expert2", "pass")):
        review = work(
            client, name, "expert_review", opinion=f"{name}：请细化", recommendation=recommendation
        )
        shown(review, note=NOTE, head_comment="同意", office_comment="请重点评审目标值的可量化程度")
    reviews = [
        {"expert": "expert1", "recommendation": "revise", "opinion": "expert1：请细化"},
        {"expert": "expert2", "recommendation": "pass", "opinion": "expert2：请细化"},
    ]
    consolidate = work(
        client,
        "office1",
        "consolidate",
        consolidation="return",
        consolidation_comment="按专家意见修改",
    )
    shown(consolidate, note=NOTE, head_comment="同意", reviews=reviews)

    # The returned unit reads the expert opinions it is told to follow.
    returned = only_task(client, unit, "draft")
    shown(returned, reviews=reviews, consolidation_comment="按专家意见修改", head_comment="同意")
    done(client, unit, returned, indicators=returned["data"]["indicators"], note=NOTE)
    again = work(
        client, "head1", "head_signoff", signed=True, head_decision="approve", head_comment="已修改"
    )
    shown(again, note=NOTE, reviews=reviews, consolidation_comment="按专家意见修改")
    work(client, "office1", "office_check", office_decision="review", experts=["expert1"])
    work(client, "expert1", "expert_review", opinion="已按意见修改", recommendation="pass")
    work(
        client,
        "office1",
        "consolidate",
        consolidation="to_leader",
        consolidation_comment="建议审定",
    )
    leader = work(client, "leader1", "leader_approval", leader_decision="approve")
    shown(
        leader,
        note=NOTE,
        head_comment="已修改",
        consolidation_comment="建议审定",
        reviews=[{"expert": "expert1", "recommendation": "pass", "opinion": "已按意见修改"}],
    )
    assert leader["form"]["schema"]["properties"]["indicators"]["readOnly"] is True
    assert [r["title"] for r in leader["data"]["indicators"]] == [r["title"] for r in rows]


def test_the_head_must_tick_the_signature_box(shipped: FlaskClient) -> None:
    client = shipped
    unit, head = bearer(client, "unit1"), bearer(client, "head1")
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft = only_task(client, unit, "draft")
    done(client, unit, draft, indicators=weighted(draft["data"]["indicators"], [30, 30, 20]))
    sign = only_task(client, head, "head_signoff")
    assert sign["form"]["schema"]["properties"]["signed"]["const"] is True
    assert "signed" in sign["form"]["schema"]["required"]
    for unticked in ({"signed": False}, {}):
        refused = complete(client, head, sign["id"], head_decision="approve", **unticked)
        assert refused.status_code == 422
        assert [d["path"] for d in refused.get_json()["error"]["details"]] == ["signed"]
    done(client, head, sign, signed=True, head_decision="approve")


def _upload(client: FlaskClient, headers: dict[str, str], task_id: str) -> str:
    response = client.post(
        f"/api/v1/tasks/{task_id}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n request"), "请示.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _fgw() -> list[Indicator]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Indicator).where(Indicator.unit_id == _unit("FGW").id).order_by(Indicator.id)
        ).scalars()
    )


def test_an_adjustment_rebalances_weights_and_the_head_and_leader_see_old_against_new(
    approved: FlaskClient,  # noqa: F811
) -> None:
    client, unit = approved, bearer(approved, "unit1")
    first, second, third = _fgw()
    old = [float(i.current.weight) for i in (first, second, third)]
    start(client, unit, "indicator_adjustment", unit_code="FGW", data={"year": YEAR})
    request = only_task(client, unit, "request")
    table = request["data"]["weights"]
    assert [(r["id"], r["weight"]) for r in table] == [
        (i.id, w) for i, w in zip((first, second, third), old, strict=True)
    ]
    document = _upload(client, unit, request["id"])
    ask = {
        "indicator_id": first.id,
        "target": "提前完成",
        "reason": "省政府新部署，工作量调整",
        "document": document,
    }
    # Weights that no longer add up to 80 come back to the form with the reason.
    done(client, unit, request, weights=[{**table[0], "weight": old[0] + 5}, *table[1:]], **ask)
    request = only_task(client, unit, "request")
    problems = request["data"]["adjustment_problems"]
    assert [p["path"] for p in problems] == ["weights"] and "80" in problems[0]["message"]
    # A cleared cell keeps that indicator's weight; here two weights move, the total stays 80.
    rebalanced = [
        {**table[0], "weight": old[0] + 5},
        {**table[1], "weight": old[1] - 5},
        {"id": table[2]["id"], "title": table[2]["title"]},
    ]
    done(client, unit, request, weights=rebalanced, **ask)

    expected_weights = [
        {"title": first.current.title, "before": old[0], "after": old[0] + 5},
        {"title": second.current.title, "before": old[1], "after": old[1] - 5},
        {"title": third.current.title, "before": old[2], "after": old[2]},
    ]
    summary = {
        "indicator_title": first.current.title,
        "changes": [{"item": "目标值", "before": first.current.target, "after": "提前完成"}],
        "weight_changes": expected_weights,
        "reason": "省政府新部署，工作量调整",
        "document": document,
    }
    sign = work(
        client, "head1", "head_sign", signed=True, head_decision="approve", head_comment="同意上报"
    )
    shown(sign, **summary)
    decision = work(client, "leader1", "leader_decision", leader_decision="consent")
    shown(decision, **summary, head_comment="同意上报")

    after = _fgw()
    assert [float(i.current.weight) for i in after] == [old[0] + 5, old[1] - 5, old[2]]
    assert after[0].current.target == "提前完成" and after[0].current_version == 2
    assert after[1].current_version == 2 and after[2].current_version == 1
    assert after[1].current.reason == "省政府新部署，工作量调整"


def test_an_adjustment_cancels_an_indicator_whose_weight_leaves_the_total(
    approved: FlaskClient,  # noqa: F811
) -> None:
    client, unit = approved, bearer(approved, "unit1")
    _first, second, third = _fgw()
    start(client, unit, "indicator_adjustment", unit_code="FGW", data={"year": YEAR})
    request = only_task(client, unit, "request")
    table = request["data"]["weights"]
    rest = 80 - float(second.current.weight)
    done(
        client,
        unit,
        request,
        indicator_id=third.id,
        action="cancel",
        weights=[{**table[0], "weight": rest}, table[1], {**table[2], "weight": 0}],
        reason="任务已由国家部委统一调整，本年度不再实施",
        document=_upload(client, unit, request["id"]),
    )
    sign = work(client, "head1", "head_sign", signed=True, head_decision="approve")
    assert sign["data"]["changes"] == [
        {"item": "状态", "before": "已审定", "after": "取消（不再计分）"}
    ]
    assert sign["data"]["weight_changes"][2]["after"] == "已取消"
    work(client, "leader1", "leader_decision", leader_decision="consent")
    after = _fgw()
    assert after[2].status is IndicatorStatus.CANCELLED
    assert [float(i.current.weight) for i in after[:2]] == [rest, float(second.current.weight)]
    assert sum(float(i.current.weight) for i in after[:2]) == 80
    # The score reads it as cancelled: its weight leaves K's denominator (SPEC §8).
    scored = verified_indicators(db.session, YEAR)["FGW"]
    assert [i.cancelled for i in scored] == [False, False, True]


def test_the_head_returns_an_adjustment_request_with_a_reason_the_unit_reads(
    approved: FlaskClient,  # noqa: F811
) -> None:
    client, unit = approved, bearer(approved, "unit1")
    first = _fgw()[0]
    start(client, unit, "indicator_adjustment", unit_code="FGW", data={"year": YEAR})
    request = only_task(client, unit, "request")
    done(
        client,
        unit,
        request,
        indicator_id=first.id,
        measure="按季度考核",
        reason="考核口径变化",
        document=_upload(client, unit, request["id"]),
    )
    work(
        client, "head1", "head_sign", signed=True, head_decision="return", head_comment="理由不充分"
    )
    again = only_task(client, unit, "request")
    shown(again, head_comment="理由不充分")
    assert _fgw()[0].current_version == 1


@time_machine.travel(JULY, tick=True)
def test_a_progress_report_goes_through_the_head_and_every_later_step_shows_earlier_opinions(
    approved: FlaskClient,  # noqa: F811
) -> None:
    client, unit = approved, bearer(approved, "unit1")
    start(
        client,
        bearer(client, "office1"),
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": "2026-06"},
    )
    report = only_task(client, unit, "report")
    shown(report, period="2026-06")
    assert "0" in report["data"]["prefill_note"]
    entries = [{**e, "percent": 40, "summary": "按计划推进"} for e in report["data"]["entries"]]
    done(client, unit, report, entries=entries)

    shown_entries = [
        {k: e[k] for k in ("indicator_id", "title", "percent", "summary")} for e in entries
    ]
    sign = work(
        client, "head1", "head_sign", signed=True, head_decision="return", head_comment="请补充佐证"
    )
    shown(sign, period="2026-06", entries=shown_entries)
    revise = only_task(client, unit, "revise")
    shown(revise, head_comment="请补充佐证", period="2026-06")
    done(client, unit, revise, entries=entries)
    work(
        client, "head1", "head_sign", signed=True, head_decision="approve", head_comment="同意报送"
    )

    lead = work(client, "gxt1", "lead_review", lead_comment="进度符合序时要求")
    shown(lead, head_comment="同意报送", period="2026-06")
    check = work(client, "office1", "office_check", check_decision="accept")
    shown(
        check,
        head_comment="同意报送",
        lead_reviews=[{"lead_unit": "GXT", "comment": "进度符合序时要求"}],
    )


@time_machine.travel(JULY, tick=True)
def test_the_report_reminder_follows_the_days_written_in_the_diagram(
    approved: FlaskClient,  # noqa: F811
) -> None:
    client = approved
    start(
        client,
        bearer(client, "office1"),
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": "2026-06"},
    )
    task = db.session.execute(select(HumanTask).where(HumanTask.spec_id == "report")).scalar_one()
    assert task.due_at is not None and task.remind_at is not None
    calendar = WorkdayCalendar()
    # reminderWorkdays="2" on the report task (the code's default is 1).
    remind_day = calendar.add_workdays(local_date(task.due_at), -2)
    assert task.remind_at == datetime.combine(remind_day, time(9, 0), tzinfo=SHANGHAI)
    assert task.escalate_at == calendar.workday_deadline(task.due_at, 3)
