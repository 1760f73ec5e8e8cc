"""§22 disqualification cases (issue 13 §3): recorded with evidence on the office's page, audited,
exempted for one of the two reasons; a case not exempted marks the unit disqualified."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from app.scoring.gather import gather_inputs
from app.scoring.models import CaseKind, DisqualificationCase, Exemption
from tests.factories import make_unit, make_user, page_csrf, sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def disqualified(code: str) -> bool:
    units = {u["code"]: u for u in gather_inputs(db.session, 2026)["units"]}
    return bool(units[code]["disqualified"])


def record(client: FlaskClient, **fields: Any) -> Any:
    data = {
        "csrf_token": page_csrf(client, "/scores/2026/cases"),
        "unit_code": "FGW",
        "kind": CaseKind.LEADERSHIP_CORRUPTION.value,
        "description": "班子成员严重违纪违法被立案审查",
        **fields,
    }
    return client.post("/scores/2026/cases", data=data, content_type="multipart/form-data")


def test_a_recorded_case_disqualifies_until_exempted(app: Any, client: FlaskClient) -> None:
    make_unit("FGW", name="省发展改革委")
    make_unit("NYT")
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    assert not disqualified("FGW")

    done = record(client, evidence=(io.BytesIO(PDF), "通报.pdf"))
    assert done.status_code == 302
    case = db.session.execute(select(DisqualificationCase)).scalar_one()
    assert case.unit.code == "FGW" and len(case.evidence_ids) == 1
    assert case.recorded_by_name == "office1"
    assert disqualified("FGW") and not disqualified("NYT")
    page = client.get("/scores/2026/cases").get_data(as_text=True)
    assert "省发展改革委" in page and "领导班子成员发生重大腐败案件" in page
    assert "取消评优资格" in page
    assert f"/evidence/{case.evidence_ids[0]}" in page

    csrf = page_csrf(client, "/scores/2026/cases")
    exempted = client.post(
        f"/scores/2026/cases/{case.id}/exempt",
        data={"csrf_token": csrf, "exemption": Exemption.INVESTIGATED_ITSELF.value, "note": "自查"},
    )
    assert exempted.status_code == 302
    db.session.expire_all()
    assert case.exemption is Exemption.INVESTIGATED_ITSELF
    assert case.exempted_by_name == "office1"
    assert not disqualified("FGW")
    page = client.get("/scores/2026/cases").get_data(as_text=True)
    assert "本单位对工作人员违纪违法行为主动进行查处" in page

    again = client.post(
        f"/scores/2026/cases/{case.id}/exempt",
        data={"csrf_token": csrf, "exemption": Exemption.MOVED_FOR_THE_CASE.value},
    )
    assert again.status_code == 409
    actions = db.session.execute(
        select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.object_type == "disqualification_case")
        .order_by(AuditEntry.seq)
    ).all()
    assert [a for a, _b, _c in actions] == ["scores.case_record", "scores.case_exempt"]
    assert actions[1][1]["exemption"] is None
    assert actions[1][2]["exemption"] == "investigated_itself"


def test_bad_cases_are_refused_next_to_the_field(app: Any, client: FlaskClient) -> None:
    make_unit("FGW")
    make_unit("OLD", year=2025)
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    refused = record(client, unit_code="OLD", kind="bribery", description="  ")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "不是2026年度的考核对象" in page
    assert "请选择案件类型" in page and "请填写案件情况" in page
    not_a_file = record(client, evidence=(io.BytesIO(b"<script>"), "x.pdf"))
    assert not_a_file.status_code == 422
    assert "班子成员严重违纪违法被立案审查" in not_a_file.get_data(as_text=True)
    case = record(client)
    assert case.status_code == 302
    case_id = db.session.execute(select(DisqualificationCase.id)).scalar_one()
    bad_reason = client.post(
        f"/scores/2026/cases/{case_id}/exempt",
        data={"csrf_token": page_csrf(client, "/scores/2026/cases"), "exemption": "friendship"},
    )
    assert bad_reason.status_code == 422
    assert "两种除外情形之一" in bad_reason.get_data(as_text=True)
    assert disqualified("FGW")


def test_only_the_office_sees_and_records_cases(app: Any, client: FlaskClient) -> None:
    unit = make_unit("FGW")
    make_user("head1", (Role.UNIT_HEAD, unit))
    sign_in(client, "head1")
    assert client.get("/scores/2026/cases").status_code == 403
    csrf = page_csrf(client, "/")
    posted = client.post(
        "/scores/2026/cases",
        data={
            "csrf_token": csrf,
            "unit_code": "FGW",
            "kind": "staff_violation",
            "description": "x",
        },
    )
    assert posted.status_code == 403
    assert db.session.execute(select(DisqualificationCase)).first() is None
