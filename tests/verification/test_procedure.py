"""The `year_end_verification` diagram driven through the API by the demo accounts working their
own inboxes: self-evaluation, the head's signature, the lead unit's opinion, the office's
verification (with a return), the field check of the drawn sample and its findings."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.progress.models import Proposal, ProposalStatus
from app.verification.models import Finding, Verification, VerificationStatus
from app.verification.queries import verified_indicators
from app.verification.sampling import derive_seed, draw_sample
from tests.factories import page_csrf, sign_in
from tests.indicators.drive import done, only_task, work
from tests.verification.conftest import YEAR, approve, unit_of
from tests.workflow.helpers import bearer, complete, inbox, instance, start


def _evidence(client: FlaskClient, headers: dict[str, str], task: dict[str, Any]) -> str:
    response = client.post(
        f"/api/v1/tasks/{task['id']}/files",
        headers=headers,
        data={"file": (io.BytesIO(b"%PDF-1.7\n self-evaluation"), "自评报告.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _claims(rows: list[dict[str, Any]], percent: float) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "completion": percent,
            "self_score": round(row["weight"] * percent / 100, 2),
            "explanation": "全年任务按计划完成",
        }
        for row in rows
    ]


def _claim(client: FlaskClient, percent: float) -> None:
    """unit1 claims `percent` on every indicator, with evidence."""
    unit = bearer(client, "unit1")
    task = only_task(client, unit, "self_evaluate")
    done(
        client,
        unit,
        task,
        entries=_claims(task["data"]["entries"], percent),
        evidence=_evidence(client, unit, task),
    )


def test_the_verification_runs_through_the_inboxes_to_verified_completions(
    approved: FlaskClient,
) -> None:
    client = approved
    office, unit = bearer(client, "office1"), bearer(client, "unit1")
    started = start(client, office, "year_end_verification", unit_code="FGW", data={"year": YEAR})

    # The table is pre-filled with the approved indicators: title, target and weight.
    task = only_task(client, unit, "self_evaluate")
    rows = task["data"]["entries"]
    assert len(rows) == 3 and sum(r["weight"] for r in rows) == 80
    assert all(r["title"] and "target" in r for r in rows)
    columns = task["form"]["ui_schema"]["entries"]["items"]
    assert columns["weight"] == {"ui:readonly": True}

    # A self-score above the indicator's weight comes back with its reason.
    too_high = [{**r, "self_score": r["weight"] + 1} for r in _claims(rows, 90)]
    done(client, unit, task, entries=too_high, evidence=_evidence(client, unit, task))
    again = only_task(client, unit, "self_evaluate")
    assert len(again["data"]["claim_problems"]) == 3
    assert (
        "自评得分"
        in again["form"]["schema"]["properties"]["entries"]["items"]["properties"]["self_score"][
            "title"
        ]
    )
    done(client, unit, again, entries=_claims(rows, 90), evidence=again["data"]["evidence"])
    done(
        client,
        bearer(client, "head1"),
        only_task(client, bearer(client, "head1"), "head_signoff"),
        head_decision="approve",
    )
    lead = only_task(client, bearer(client, "gxt1"), "lead_review")
    done(
        client, bearer(client, "gxt1"), lead, lead_assessment="partly", lead_comment="部分佐证不全"
    )

    # The office sees the claims and the lead unit's opinion; a c above 1 is refused at its field.
    verify = only_task(client, office, "office_verify")
    assert [c["completion"] for c in verify["data"]["claims"]] == ["90%"] * 3
    assert verify["data"]["lead_reviews"] == [
        {"lead_unit": "GXT", "assessment": "partly", "comment": "部分佐证不全"}
    ]
    rows_to_verify = verify["data"]["verifications"]
    assert [r["verified_completion"] for r in rows_to_verify] == [0.9] * 3
    bad = [{**rows_to_verify[0], "verified_completion": 1.5}, *rows_to_verify[1:]]
    refused = complete(client, office, verify["id"], verifications=bad, verify_decision="accept")
    assert refused.status_code == 422
    paths = [d["path"] for d in refused.get_json()["error"]["details"]]
    assert paths == ["verifications/0/verified_completion"]
    # On the task page the same c is refused with the message next to its field.
    sign_in(client, "office1")
    page = client.get(f"/tasks/{verify['id']}").get_data(as_text=True)
    assert "部分佐证不全" in page and unit_of("GXT").name_zh in page
    # The evidence is shown by its file name, a download link, not as a list of file ids.
    evidence_ids = verify["data"]["evidence_files"]
    assert evidence_ids
    for evidence_id in evidence_ids:
        assert f'href="/evidence/{evidence_id}" data-testid="file-link">自评报告.pdf</a>' in page
        assert f"<li>{evidence_id}" not in page
    # The office's instance page: the data as labelled tables and files, not raw JSON.
    shown = client.get(f"/instances/{started['id']}").get_data(as_text=True)
    data = shown[shown.index('data-testid="instance-data"') : shown.index("instance-raw-data")]
    assert "<dt>单位自查自评</dt>" in data
    for column in ("指标名称", "权重（分）", "自评完成程度", "完成情况说明"):
        assert f'<th scope="col">{column}</th>' in data
    assert data.count("<td>全年任务按计划完成</td>") == 6  # the unit's entries and the claims
    reviews = data[data.index("<dt>牵头单位核验意见</dt>") :]
    assert f"<td>{unit_of('GXT').name_zh}</td><td>部分属实</td><td>部分佐证不全</td>" in reviews
    assert 'data-testid="file-link">自评报告.pdf</a>' in data
    assert '"title":' not in data and "{&#34;" not in data and "[{" not in data
    form = {"csrf_token": page_csrf(client, f"/tasks/{verify['id']}"), "verify_decision": "accept"}
    for number, row in enumerate(rows_to_verify):
        form[f"verifications.{number}.indicator_id"] = str(row["indicator_id"])
        form[f"verifications.{number}.title"] = row["title"]
        form[f"verifications.{number}.verified_completion"] = "1.5" if number == 0 else "0.9"
    answer = client.post(f"/tasks/{verify['id']}", data=form)
    assert answer.status_code == 422 and "invalid-feedback" in answer.get_data(as_text=True)
    no_reason = complete(client, office, verify["id"], verify_decision="return")
    assert no_reason.status_code == 422
    assert [d["path"] for d in no_reason.get_json()["error"]["details"]] == ["return_reasons"]

    # Returned: the unit sees the office's reasons, claims again, and it comes back.
    done(client, office, verify, verify_decision="return", return_reasons="佐证材料不完整，请补充")
    back = only_task(client, unit, "self_evaluate")
    assert back["data"]["return_reasons"] == "佐证材料不完整，请补充"
    assert "return_reasons" in back["form"]["schema"]["properties"]
    assert back["form"]["schema"]["properties"]["return_reasons"]["readOnly"] is True
    verification = db.session.execute(select(Verification)).scalar_one()
    assert verification.status is VerificationStatus.SELF_EVALUATING
    assert verification.return_reasons == "佐证材料不完整，请补充"
    done(client, unit, back, entries=_claims(rows, 85), evidence=_evidence(client, unit, back))
    done(
        client,
        bearer(client, "head1"),
        only_task(client, bearer(client, "head1"), "head_signoff"),
        head_decision="approve",
    )
    lead = only_task(client, bearer(client, "gxt1"), "lead_review")
    done(client, bearer(client, "gxt1"), lead, lead_assessment="agree", lead_comment="已补充")

    verify = only_task(client, office, "office_verify")
    assert verify["data"]["return_reasons"] == "佐证材料不完整，请补充"  # the earlier opinion
    decided = [
        {**r, "verified_completion": c, "note": "核实"}
        for r, c in zip(verify["data"]["verifications"], [0.8, 1, 0.75], strict=True)
    ]
    done(client, office, verify, verifications=decided, verify_decision="accept")

    # The field check shows the seed and the drawn indicator (20 % of 3: one).
    check = only_task(client, office, "field_check")
    db.session.expire_all()
    verification = db.session.execute(select(Verification)).scalar_one()
    assert verification.status is VerificationStatus.FIELD_CHECK
    assert check["data"]["drawn_seed"] == verification.sample_seed
    assert verification.sample_seed == derive_seed(YEAR, "FGW", verification.salt)
    [drawn] = check["data"]["findings"]
    assert [v["note"] for v in check["data"]["verifications"]] == ["核实"] * 3
    page = client.get(f"/tasks/{check['id']}").get_data(as_text=True)
    assert verification.sample_seed in page and drawn["title"] in page and "佐证不实" in page
    population = [e.indicator_id for e in verification.entries]
    assert [drawn["indicator_id"]] == draw_sample(
        population, verification.sample_seed, Decimal("0.2")
    )
    done(
        client,
        office,
        check,
        findings=[{**drawn, "finding": "untrue", "note": "现场核查与佐证不符"}],
    )
    assert instance(client, office, started["id"])["status"] == "completed"
    assert inbox(client, office) == []

    # Done: c stored per indicator, the finding recorded and proposed for the office to confirm.
    db.session.expire_all()
    verification = db.session.execute(select(Verification)).scalar_one()
    assert verification.status is VerificationStatus.DONE
    assert [e.verified_completion for e in verification.entries] == [
        Decimal("0.8"),
        Decimal(1),
        Decimal("0.75"),
    ]
    [sampled] = [e for e in verification.entries if e.sampled]
    assert sampled.finding is Finding.UNTRUE
    [proposal] = db.session.execute(select(Proposal)).scalars()
    assert (proposal.rule_code, proposal.status, proposal.unit_id) == (
        "untrue_evidence",
        ProposalStatus.PROPOSED,
        unit_of("FGW").id,
    )
    assert proposal.source["indicator_id"] == sampled.indicator_id
    assert proposal.source["note"] == "现场核查与佐证不符"
    proposals_page = client.get("/progress/proposals").get_data(as_text=True)
    assert "核验发现佐证材料不实" in proposals_page
    assert f"实地核查：{proposal.source['indicator']}" in proposals_page
    fgw = verified_indicators(db.session, YEAR)["FGW"]
    assert [(v.completion, v.cancelled) for v in fgw] == [
        (Decimal("0.8"), False),
        (Decimal(1), False),
        (Decimal("0.75"), False),
    ]
    assert sum(v.weight for v in fgw) == 80


def test_the_head_sends_the_claims_back_with_a_comment_the_staff_see(
    approved: FlaskClient,
) -> None:
    client = approved
    start(
        client,
        bearer(client, "office1"),
        "year_end_verification",
        unit_code="FGW",
        data={"year": YEAR},
    )
    _claim(client, 70)
    head = bearer(client, "head1")
    sign = only_task(client, head, "head_signoff")
    assert [r["completion"] for r in sign["data"]["entries"]] == [70] * 3
    assert complete(client, head, sign["id"], head_decision="return").status_code == 422
    done(client, head, sign, head_decision="return", head_comment="第二项说明过于简略")
    back = only_task(client, bearer(client, "unit1"), "self_evaluate")
    assert back["data"]["head_comment"] == "第二项说明过于简略"
    assert [r["completion"] for r in back["data"]["entries"]] == [70] * 3  # nothing lost
    sign_in(client, "unit1")
    page = client.get(f"/tasks/{back['id']}").get_data(as_text=True)
    assert "第二项说明过于简略" in page and back["data"]["entries"][0]["title"] in page
    assert inbox(client, bearer(client, "gxt1")) == []


def test_a_second_start_for_a_unit_with_one_open_ends_at_once(approved: FlaskClient) -> None:
    client = approved
    office = bearer(client, "office1")
    start(client, office, "year_end_verification", unit_code="FGW", data={"year": YEAR})
    second = start(client, office, "year_end_verification", unit_code="FGW", data={"year": YEAR})
    assert instance(client, office, second["id"])["status"] == "completed"
    assert len(inbox(client, bearer(client, "unit1"))) == 1
    nothing = start(client, office, "year_end_verification", unit_code="GXT", data={"year": YEAR})
    assert instance(client, office, nothing["id"])["status"] == "completed"  # nothing approved


def test_the_demo_accounts_alone_drive_it_to_its_end_skipping_a_lead_unit_without_staff(
    shipped: FlaskClient,
) -> None:
    client = shipped
    approve("FGW")  # its key tasks' lead unit GXT has no staff account in the demo
    office = bearer(client, "office1")
    started = start(client, office, "year_end_verification", unit_code="FGW", data={"year": YEAR})
    _claim(client, 100)
    work(client, "head1", "head_signoff", head_decision="approve")
    [signed] = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "verification.signed")
    ).scalars()
    assert signed.after["lead_units"] == [] and signed.after["lead_units_without_staff"] == ["GXT"]
    verify = work(client, "office1", "office_verify", verify_decision="accept")
    assert verify["data"]["lead_reviews"] == []
    check = only_task(client, office, "field_check")
    findings = [{**row, "finding": "confirmed"} for row in check["data"]["findings"]]
    done(client, office, check, findings=findings)
    assert instance(client, office, started["id"])["status"] == "completed"
    assert db.session.execute(select(Proposal)).first() is None
    assert [v.completion for v in verified_indicators(db.session, YEAR)["FGW"]] == [Decimal(1)] * 3
