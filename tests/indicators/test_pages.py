"""Indicator and daily-management pages (issue 5 §5, §7): each role sees what it works on; the
office decides proposals with a reason and edits the year's rules; bad input is answered next to
its field and changes nothing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.indicators.models import Indicator
from app.progress.models import ProcessRule, ProgressReport, Proposal, ProposalStatus
from app.workflow.models import ProcessInstance
from app.workflow.timers.task_deadlines import alert_due_tasks
from tests.factories import page_csrf, sign_in
from tests.indicators.drive import draft_and_sign, only_task, work
from tests.indicators.test_progress_reporting import YEAR, _approve, _this_month
from tests.workflow.helpers import bearer, complete, start


def _report_this_month(client: FlaskClient) -> tuple[list[Indicator], datetime]:
    """FGW's indicators approved and this month's report started; the indicators and the due
    time."""
    approved = _approve("FGW")
    period, due = _this_month()
    start(
        client,
        bearer(client, "office1"),
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": period},
    )
    return approved, due


def _late_report(client: FlaskClient) -> Proposal:
    _approved, due = _report_this_month(client)
    alert_due_tasks(db.session, now=due + timedelta(minutes=1))
    db.session.commit()
    return db.session.execute(select(Proposal)).scalar_one()


def test_the_office_rejects_a_proposal_only_with_a_reason(shipped: FlaskClient) -> None:
    client = shipped
    proposal = _late_report(client)
    sign_in(client, "office1")
    page = client.get("/progress/proposals").get_data(as_text=True)
    assert "江西省发展和改革委员会" in page and "-0.50" in page

    token = page_csrf(client, "/progress/proposals")
    refused = client.post(
        f"/progress/proposals/{proposal.id}",
        data={"csrf_token": token, "decision": "reject", "reason": "  ", "year": YEAR},
    )
    assert refused.status_code == 422
    assert "请填写决定的理由" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status is ProposalStatus.PROPOSED

    decided = client.post(
        f"/progress/proposals/{proposal.id}",
        data={
            "csrf_token": token,
            "decision": "reject",
            "reason": "系统故障导致延误",
            "year": YEAR,
        },
    )
    assert decided.status_code == 302
    db.session.expire_all()
    rejected = db.session.get(Proposal, proposal.id)
    assert (rejected.status, rejected.reason) == (ProposalStatus.REJECTED, "系统故障导致延误")
    shown = client.get("/progress/proposals?status=rejected").get_data(as_text=True)
    assert "系统故障导致延误" in shown


def test_the_office_edits_a_rule_of_the_year(shipped: FlaskClient) -> None:
    client = shipped
    sign_in(client, "office1")
    client.get("/progress/proposals")
    token = page_csrf(client, "/progress/proposals")
    bad = client.post(
        "/progress/rules/late_report",
        data={"csrf_token": token, "points": "半分", "cap": "5", "year": YEAR},
    )
    assert bad.status_code == 422 and "请输入数字" in bad.get_data(as_text=True)
    good = client.post(
        "/progress/rules/late_report",
        data={"csrf_token": token, "points": "-1", "cap": "", "year": YEAR},
    )
    assert good.status_code == 302
    db.session.expire_all()
    rule = db.session.execute(
        select(ProcessRule).where(ProcessRule.year == YEAR, ProcessRule.code == "late_report")
    ).scalar_one()
    assert (str(rule.points), rule.cap) == ("-1.00", None)


def test_unit_staff_see_where_their_indicators_stand_and_start_the_setting(
    shipped: FlaskClient,
) -> None:
    client = shipped
    sign_in(client, "unit1")
    page = client.get("/indicators/").get_data(as_text=True)
    assert "编制并报送绩效指标" in page or "Draft and submit" in page
    token = page_csrf(client, "/indicators/")
    started = client.post(
        "/indicators/procedures/indicator_setting", data={"csrf_token": token, "year": YEAR}
    )
    # Straight to the drafting form.
    assert started.status_code == 302 and "/tasks/" in started.headers["Location"]
    assert "编制本单位绩效指标" in client.get(started.headers["Location"]).get_data(as_text=True)
    page = client.get("/indicators/").get_data(as_text=True)
    assert "编制绩效指标" in page  # the open step, linked to the process
    assert (
        client.post(
            "/indicators/procedures/appeal", data={"csrf_token": token, "year": YEAR}
        ).status_code
        == 404
    )


def test_the_office_board_highlights_units_behind(shipped: FlaskClient) -> None:
    client = shipped
    _approve("FGW")
    office = bearer(client, "office1")
    start(
        client,
        office,
        "progress_reporting",
        unit_code="FGW",
        data={"year": YEAR, "period": "2026-09"},
    )
    sign_in(client, "office1")
    page = client.get("/indicators/").get_data(as_text=True)
    board = page[page.index('data-testid="office-board"') :]
    before = board[: board.index("江西省发展和改革委员会")]
    assert before.rfind('data-behind="1"') > before.rfind("<tr")  # on FGW's own row
    assert board.count('data-behind="1"') == 1  # only FGW: its September report is missing


def _settings() -> list[ProcessInstance]:
    db.session.expire_all()
    query = select(ProcessInstance).where(ProcessInstance.process_key == "indicator_setting")
    return list(db.session.execute(query).scalars())


def test_the_office_confirms_the_count_and_units_with_a_setting_open_are_skipped(
    shipped: FlaskClient,
) -> None:
    client = shipped
    # FGW's staff opened its setting already.
    start(
        client, bearer(client, "unit1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    sign_in(client, "office1")
    page = client.get("/indicators/").get_data(as_text=True)
    offer = page[page.index('data-testid="start-all"') :]
    assert "(8)" in offer and "江西省发展和改革委员会" not in offer[: offer.index("</details>")]
    token = page_csrf(client, "/indicators/")

    # A count that no longer matches (or none) starts nothing and says the new count.
    stale = client.post(
        "/indicators/setting/start-all",
        data={"csrf_token": token, "year": YEAR, "count": 9},
        follow_redirects=True,
    )
    assert "待发起的单位数已变为 8 个" in stale.get_data(as_text=True)
    assert len(_settings()) == 1

    done_page = client.post(
        "/indicators/setting/start-all",
        data={"csrf_token": token, "year": YEAR, "count": 8},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已为 8 个单位发起指标确定：" in done_page
    started = _settings()
    assert len(started) == 9  # every responsible unit of the sample catalogue, FGW once
    assert sorted(i.unit_id for i in started) == sorted({i.unit_id for i in started})
    assert "所有有指标草稿的单位均已有在办的指标确定流程" in done_page
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit1")
    assert (
        client.post(
            "/indicators/setting/start-all",
            data={"csrf_token": page_csrf(client, "/indicators/"), "count": 0},
        ).status_code
        == 403
    )


def test_a_second_adjustment_request_is_refused_with_a_warning_and_the_open_one_reopened(
    shipped: FlaskClient,
) -> None:
    client = shipped
    _approve("FGW")
    sign_in(client, "unit1")
    token = page_csrf(client, "/indicators/")
    first = client.post(
        "/indicators/procedures/indicator_adjustment", data={"csrf_token": token, "year": YEAR}
    )
    assert first.status_code == 302 and "/tasks/" in first.headers["Location"]  # the form itself
    assert 'data-testid="adjustment-open"' in client.get("/indicators/").get_data(as_text=True)
    second = client.post(
        "/indicators/procedures/indicator_adjustment", data={"csrf_token": token, "year": YEAR}
    )
    assert second.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    adjustments = select(ProcessInstance).where(
        ProcessInstance.process_key == "indicator_adjustment"
    )
    assert len(db.session.execute(adjustments).scalars().all()) == 1
    warned = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "本单位已有一份指标调整请示正在办理" in warned


def test_reviewers_see_the_drafts_the_reviews_and_who_did_what_on_the_task_page(
    shipped: FlaskClient,
) -> None:
    client = shipped
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    duty = {"title": "依法履职和政务公开", "target": "全年无重大失误", "weight": 20}
    draft_and_sign(client, "unit1", "head1", extra=[duty])
    work(client, "office1", "office_check", office_decision="review", experts=["expert1"])
    work(client, "expert1", "expert_review", opinion="衡量标准需细化", recommendation="revise")

    sign_in(client, "office1")
    task_id = only_task(client, bearer(client, "office1"), "consolidate")["id"]
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    drafts = page[
        page.index('id="f-indicators"') : page.index("</table>", page.index('id="f-indicators"'))
    ]
    assert '<th scope="col">指标名称</th>' in drafts
    assert "<td>履职履责</td><td>依法履职和政务公开</td><td>全年无重大失误</td>" in drafts
    reviews = page[page.index('id="f-reviews"') :]
    assert (
        "<td>评审专家 周敏（expert1）</td><td>建议修改后通过</td><td>衡量标准需细化</td>" in reviews
    )
    assert 'data-testid="task-unit">江西省发展和改革委员会<' in page
    who = page[page.index('data-testid="history"') :]
    assert who.index("发改委绩效联络员 刘芳") < who.index(
        "评审专家 周敏"
    )  # each step by name, in order


def test_unit_staff_report_progress_on_a_table_of_their_own_indicators(
    shipped: FlaskClient,
) -> None:
    client = shipped
    approved, _due = _report_this_month(client)
    sign_in(client, "unit1")
    link = re.search(r'href="(/tasks/[0-9a-f-]{36})"', client.get("/tasks").get_data(as_text=True))
    assert link
    page = client.get(link.group(1)).get_data(as_text=True)
    rows = len(approved)
    # The indicator is carried, not typed: a hidden id, the title as text, no blank rows.
    assert f'<input type="hidden" name="entries.{rows - 1}.indicator_id"' in page
    assert f'name="entries.{rows}.' not in page
    assert f"<span>{approved[0].current.title}</span>" in page
    form: dict[str, str] = {"csrf_token": page_csrf(client, link.group(1))}
    for number, indicator in enumerate(approved):
        form[f"entries.{number}.indicator_id"] = str(indicator.id)
        form[f"entries.{number}.title"] = indicator.current.title
        form[f"entries.{number}.percent"] = "40"
        form[f"entries.{number}.summary"] = "按计划推进"
    assert client.post(link.group(1), data=form).status_code == 302
    work(client, "head1", "head_sign", signed=True, head_decision="approve")
    report = db.session.execute(select(ProgressReport)).scalar_one()
    assert sorted(e.indicator_id for e in report.entries) == sorted(i.id for i in approved)
    assert {e.percent for e in report.entries} == {40}


def test_the_heads_signature_box_is_required_on_the_page_and_by_the_server(
    shipped: FlaskClient,
) -> None:
    client = shipped
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft = only_task(client, bearer(client, "unit1"), "draft")
    rows = [
        {**r, "weight": w} for r, w in zip(draft["data"]["indicators"], [30, 30, 20], strict=True)
    ]
    assert (
        complete(client, bearer(client, "unit1"), draft["id"], indicators=rows).status_code == 200
    )
    sign = only_task(client, bearer(client, "head1"), "head_signoff")
    sign_in(client, "head1")
    url = f"/tasks/{sign['id']}"
    page = client.get(url).get_data(as_text=True)
    box = page[page.index('name="signed"') - 200 : page.index('name="signed"') + 200]
    assert 'type="checkbox"' in box and "required" in box
    unticked = client.post(
        url, data={"csrf_token": page_csrf(client, url), "head_decision": "approve"}
    )
    assert unticked.status_code == 422
    answer = unticked.get_data(as_text=True)
    assert 'data-field="signed"' in answer and "invalid-feedback" in answer
    assert only_task(client, bearer(client, "head1"), "head_signoff")["id"] == sign["id"]
    ticked = client.post(
        url,
        data={"csrf_token": page_csrf(client, url), "head_decision": "approve", "signed": "on"},
    )
    assert ticked.status_code == 302
