"""Indicator setting (policy §15) and adjustment (§16) through the shipped diagrams, each role
working its own inbox through the API."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.indicators.models import Indicator, IndicatorKind, IndicatorStatus
from app.org.models import Unit
from tests.indicators.drive import done, only_task, weighted, work
from tests.workflow.helpers import bearer, complete, inbox, instance, start

YEAR = 2026


def _indicators() -> list[Indicator]:
    fgw = db.session.execute(select(Unit).where(Unit.code == "FGW")).scalar_one()
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Indicator).where(Indicator.unit_id == fgw.id, Indicator.year == YEAR)
        ).scalars()
    )


def test_one_unit_from_draft_to_publication_with_a_return_and_an_adjustment(
    shipped: FlaskClient,
) -> None:
    client = shipped
    office, unit, leader = (
        bearer(client, "office1"),
        bearer(client, "unit1"),
        bearer(client, "leader1"),
    )
    started = start(client, office, "indicator_setting", unit_code="FGW", data={"year": YEAR})

    # The unit sees its three key-task drafts; weights that do not add up to 80 come back.
    draft = only_task(client, unit, "draft")
    rows = draft["data"]["indicators"]
    assert [r["kind"] for r in rows] == ["key_task"] * 3
    done(client, unit, draft, indicators=weighted(rows, [20, 20, 20]))
    draft = only_task(client, unit, "draft")
    assert any("80" in p["message"] for p in draft["data"]["draft_problems"])
    duty = {
        "title": "依法履职和政务公开",
        "target": "全年无重大失误",
        "measure": "督查结果",
        "weight": 20,
    }
    done(
        client,
        unit,
        only_task(client, unit, "draft"),
        indicators=[*weighted(rows, [20, 20, 20]), duty],
    )
    assert inbox(client, unit) == []
    work(client, "head1", "head_signoff", signed=True, head_decision="approve")
    assert {i.status for i in _indicators()} == {IndicatorStatus.IN_REVIEW}

    # The office chooses experts from the choices the form's schema declares.
    check = only_task(client, office, "office_check")
    offered = check["form"]["schema"]["properties"]["experts"]["items"]["oneOf"]
    assert {"expert1", "expert2"} <= {choice["const"] for choice in offered}
    refused = complete(client, office, check["id"], office_decision="review", experts=["nobody"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["path"].startswith("experts")
    # The drafts the office judges are read-only; other process variables are not its to set.
    forged = complete(
        client,
        office,
        check["id"],
        office_decision="review",
        experts=["expert1"],
        indicators=[],
        unit_code="JYT",
    )
    assert forged.status_code == 422
    assert [d["path"] for d in forged.get_json()["error"]["details"]] == ["indicators", "unit_code"]
    # Sending back the data it read, with its fields filled in, is fine: it changes nothing else.
    returned = {**check["data"], "office_decision": "review", "experts": ["expert1", "expert2"]}
    assert complete(client, office, check["id"], **returned).status_code == 200
    for name, recommendation in (("expert1", "pass"), ("expert2", "revise")):
        expert = bearer(client, name)
        review = only_task(client, expert, "expert_review")
        done(client, expert, review, opinion=f"{name} 的评审意见", recommendation=recommendation)

    # The office sends the drafts back once, with its comment.
    consolidate = only_task(client, office, "consolidate")
    reviews = consolidate["data"]["reviews"]
    assert [r["expert"] for r in reviews] == ["expert1", "expert2"]
    done(
        client, office, consolidate, consolidation="return", consolidation_comment="请细化衡量标准"
    )
    assert {i.status for i in _indicators()} == {IndicatorStatus.RETURNED}
    draft = only_task(client, unit, "draft")
    assert draft["data"]["consolidation_comment"] == "请细化衡量标准"
    revised = [
        {
            **r,
            "measure": f"{r['title']} 的量化标准",
            "milestones": "6月底 完成过半；12月底 全面完成",
        }
        for r in draft["data"]["indicators"]
    ]
    assert len(revised) == 4 and revised[3]["kind"] == "duty"
    done(client, unit, only_task(client, unit, "draft"), indicators=revised)
    work(client, "head1", "head_signoff", signed=True, head_decision="approve")

    done(
        client,
        office,
        only_task(client, office, "office_check"),
        office_decision="review",
        experts=["expert1"],
    )
    expert = bearer(client, "expert1")
    assert instance(client, office, started["id"])["status"] == "waiting"  # a second round runs
    done(
        client,
        expert,
        only_task(client, expert, "expert_review"),
        opinion="同意，建议通过",
        recommendation="pass",
    )
    done(client, office, only_task(client, office, "consolidate"), consolidation="to_leader")
    assert [
        t for t in inbox(client, bearer(client, "leader2")) if t["spec_id"] == "leader_approval"
    ] == []
    done(client, leader, only_task(client, leader, "leader_approval"), leader_decision="approve")

    assert instance(client, office, started["id"])["status"] == "completed"
    indicators = _indicators()
    assert {i.status for i in indicators} == {IndicatorStatus.APPROVED}
    assert all(i.current.published_at is not None for i in indicators)
    assert all("量化标准" in i.current.measure for i in indicators)
    assert indicators[0].current.milestones == [
        {"text": "6月底 完成过半"},
        {"text": "12月底 全面完成"},
    ]

    # Adjustment: a written request to the leader in charge, who consents.
    target = next(i for i in indicators if i.kind is IndicatorKind.DUTY)
    adjusting = start(client, unit, "indicator_adjustment", unit_code="FGW", data={"year": YEAR})
    request = only_task(client, unit, "request")
    choices = request["form"]["schema"]["properties"]["indicator_id"]["oneOf"]
    assert target.id in {c["const"] for c in choices}
    change = {
        "indicator_id": target.id,
        "target": "全年无重大失误，政务公开率100%",
        "reason": "省政府新要求",
    }
    missing = complete(client, unit, request["id"], **change)
    assert missing.status_code == 422
    assert [d["path"] for d in missing.get_json()["error"]["details"]] == ["document"]
    no_file = client.post(f"/api/v1/tasks/{request['id']}/files", headers=unit, data={})
    assert no_file.status_code == 400 and no_file.get_json()["error"]["code"] == "malformed"
    program = client.post(
        f"/api/v1/tasks/{request['id']}/files",
        headers=unit,
        data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "请示.pdf")},
        content_type="multipart/form-data",
    )
    assert program.status_code == 422
    upload = client.post(
        f"/api/v1/tasks/{request['id']}/files",
        headers=unit,
        data={"file": (io.BytesIO(b"%PDF-1.7\n request"), "请示.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_json()
    done(client, unit, request, document=upload.get_json()["id"], **change)
    work(client, "head1", "head_sign", signed=True, head_decision="approve")
    decision = only_task(client, leader, "leader_decision")
    assert decision["data"]["reason"] == "省政府新要求"
    done(client, leader, decision, leader_decision="consent")

    assert instance(client, unit, adjusting["id"])["status"] == "completed"
    adjusted = next(i for i in _indicators() if i.id == target.id)
    assert adjusted.current_version == 2
    assert [v.target for v in adjusted.published] == [
        "全年无重大失误",
        "全年无重大失误，政务公开率100%",
    ]
    assert adjusted.current.document_id == upload.get_json()["id"]


def test_setting_for_a_unit_already_approved_ends_without_touching_its_indicators(
    shipped: FlaskClient,
) -> None:
    client = shipped
    office = bearer(client, "office1")
    start(client, office, "indicator_setting", unit_code="FGW", data={"year": YEAR})
    rows = only_task(client, bearer(client, "unit1"), "draft")["data"]["indicators"]
    done(
        client,
        bearer(client, "unit1"),
        only_task(client, bearer(client, "unit1"), "draft"),
        indicators=weighted(rows, [30, 30, 20]),
    )
    work(client, "head1", "head_signoff", signed=True, head_decision="approve")
    again = start(client, office, "indicator_setting", unit_code="FGW", data={"year": YEAR})
    assert again["status"] == "completed"  # FGW's drafts are in review: nothing to draft
    assert {i.status for i in _indicators()} == {IndicatorStatus.IN_REVIEW}
    assert [t for t in inbox(client, bearer(client, "unit1")) if t["spec_id"] == "draft"] == []


def test_the_draft_form_declares_the_units_own_indicator_ids(shipped: FlaskClient) -> None:
    client = shipped
    office, unit = bearer(client, "office1"), bearer(client, "unit1")
    start(client, office, "indicator_setting", unit_code="FGW", data={"year": YEAR})
    draft = only_task(client, unit, "draft")
    id_field = draft["form"]["schema"]["properties"]["indicators"]["items"]["properties"]["id"]
    own = {i.id for i in _indicators()}
    assert own and {choice["const"] for choice in id_field["oneOf"]} == own
    assert all(choice["title"] for choice in id_field["oneOf"])

    others = db.session.execute(
        select(Indicator.id).where(Indicator.unit_id != _indicators()[0].unit_id)
    ).scalars()
    foreign = next(iter(others))
    rows = weighted(draft["data"]["indicators"], [20, 20, 40])
    refused = complete(
        client, unit, draft["id"], indicators=[*rows[:2], {**rows[2], "id": foreign}]
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["path"] == "indicators/2/id"
    assert only_task(client, unit, "draft")["id"] == draft["id"]  # nothing was saved


def test_saving_a_draft_keeps_the_table_and_the_task_with_the_unit(shipped: FlaskClient) -> None:
    client = shipped
    unit = bearer(client, "unit1")
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft = only_task(client, unit, "draft")
    half_done = weighted(draft["data"]["indicators"], [30, 30, 20])
    done(client, unit, draft, indicators=half_done, note="尚在征求处室意见", keep_drafting=True)
    again = only_task(client, unit, "draft")  # still the unit's, not the head's
    assert [r["weight"] for r in again["data"]["indicators"]] == [30, 30, 20]
    assert again["data"]["note"] == "尚在征求处室意见" and again["data"]["keep_drafting"] is False
    assert inbox(client, bearer(client, "head1")) == []
    done(client, unit, again, indicators=again["data"]["indicators"])
    assert only_task(client, bearer(client, "head1"), "head_signoff")["data"]["note"] == (
        "尚在征求处室意见"
    )
