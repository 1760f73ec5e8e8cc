"""The office's survey pages: create, issue, revoke, weights, progress, downloads, access."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.evaluations.survey.models import (
    EvaluatorGroup,
    InvitationStatus,
    Survey,
    SurveyInvitation,
)
from app.evaluations.survey.tokens import token_hash
from app.extensions import db
from tests.evaluations.survey_helpers import DURING, LINK, SurveySetup, build_survey, full_sheet
from tests.factories import make_unit, make_user, page_csrf, sign_in


@pytest.fixture(autouse=True)
def clock() -> Iterator[object]:
    with time_machine.travel(DURING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def setup(app: Flask) -> SurveySetup:
    return build_survey(app)


@pytest.fixture
def office(client: FlaskClient, setup: SurveySetup) -> FlaskClient:
    sign_in(client, "office1")
    return client


def _actions() -> list[str]:
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    db.session.commit()
    return list(actions)


def test_the_office_creates_the_years_survey_with_the_six_groups(
    client: FlaskClient, app: Flask
) -> None:

    make_unit("FGW", year=2027)
    make_user("office1", Role.OFFICE_STAFF)
    sign_in(client, "office1")
    token = page_csrf(client, "/surveys/")
    bad = client.post(
        "/surveys/",
        data={
            "csrf_token": token,
            "year": "2027",
            "title": "2027年度",
            "opens_on": "2027-12-10",
            "closes_on": "2027-12-01",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "截止日期不能早于开始日期" in html and 'value="2027年度"' in html
    created = client.post(
        "/surveys/",
        data={
            "csrf_token": token,
            "year": "2027",
            "title": "2027年度",
            "opens_on": "2027-12-01",
            "closes_on": "2027-12-31",
        },
    )
    assert created.status_code == 302
    survey = db.session.execute(select(Survey)).scalar_one()
    assert [group.kind for group in survey.groups] == list(EvaluatorGroup)
    db.session.commit()
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    for name in ("主要服务对象", "党代表", "人大代表", "政协委员", "机关干部职工", "专家学者"):
        assert name in page
    again = client.post(
        "/surveys/",
        data={
            "csrf_token": token,
            "year": "2027",
            "title": "x",
            "opens_on": "2027-12-01",
            "closes_on": "2027-12-31",
        },
    )
    assert again.status_code == 422 and "该年度已有问卷" in again.get_data(as_text=True)
    assert _actions().count("survey.create") == 1


def test_issuing_invitations_stores_only_token_hashes_and_links_work(
    office: FlaskClient, setup: SurveySetup
) -> None:
    group = setup.group(EvaluatorGroup.EXPERTS)
    path = f"/surveys/{setup.survey.id}"
    token = page_csrf(office, path)
    refused = office.post(
        f"{path}/groups/{group.id}/invitations", data={"csrf_token": token, "count": "0"}
    )
    assert refused.status_code == 422 and "每次发放 1 至 1000 个邀请" in refused.get_data(
        as_text=True
    )
    issued = office.post(
        f"{path}/groups/{group.id}/invitations", data={"csrf_token": token, "count": "4"}
    )
    assert issued.status_code == 302
    listing = office.get(f"{path}/groups/{group.id}").get_data(as_text=True)
    tokens = sorted(set(LINK.findall(listing)))
    assert len(tokens) == 4
    stored = (
        db.session.execute(select(SurveyInvitation).where(SurveyInvitation.group_id == group.id))
        .scalars()
        .all()
    )
    assert {invitation.token_hash for invitation in stored} == {token_hash(t) for t in tokens}
    assert not any(t in (i.token_hash + i.nonce) for t in tokens for i in stored)
    db.session.commit()
    assert office.get(f"/survey/{tokens[0]}").status_code == 200
    assert "survey.invitations_issue" in _actions()


def test_progress_counts_issued_used_revoked_and_answers_per_group(
    office: FlaskClient, setup: SurveySetup
) -> None:
    assert office.post(f"/survey/{setup.tokens[0]}", data=full_sheet()).status_code == 303
    invitation = (
        db.session.execute(
            select(SurveyInvitation)
            .where(SurveyInvitation.status == InvitationStatus.ISSUED)
            .order_by(SurveyInvitation.id.desc())
        )
        .scalars()
        .first()
    )
    assert invitation is not None
    db.session.commit()
    path = f"/surveys/{setup.survey.id}"
    token = page_csrf(office, path)
    revoked = office.post(f"{path}/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    again = office.post(f"{path}/invitations/{invitation.id}/revoke", data={"csrf_token": token})
    assert "已使用或已作废" in office.get(again.headers["Location"]).get_data(as_text=True)
    html = office.get(path).get_data(as_text=True)
    row = html.split('data-testid="survey-progress-service_users"')[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in row.split('<td class="text-end">')[1:]]
    assert cells == ["3", "1", "1", "1", "1"]  # issued, used, revoked, unused, answer sheets
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "survey.invitation_revoke")
    ).scalar_one()
    assert entry.actor_name == "office1" and entry.object_id == str(invitation.id)
    assert entry.before == {"status": "issued"} and entry.after == {"status": "revoked"}
    db.session.commit()


def test_weights_are_all_or_nothing_and_audited(office: FlaskClient, setup: SurveySetup) -> None:
    path = f"/surveys/{setup.survey.id}"
    token = page_csrf(office, path)
    groups = setup.survey.groups
    partial = office.post(
        f"{path}/weights", data={"csrf_token": token, f"weight-{groups[0].id}": "2"}
    )
    assert partial.status_code == 422
    assert "请为每个群体填写权重" in partial.get_data(as_text=True)
    bad = office.post(
        f"{path}/weights", data={"csrf_token": token, f"weight-{groups[0].id}": "abc"}
    )
    assert bad.status_code == 422 and 'value="abc"' in bad.get_data(as_text=True)
    full = {"csrf_token": token, **{f"weight-{g.id}": str(i + 1) for i, g in enumerate(groups)}}
    assert office.post(f"{path}/weights", data=full).status_code == 302
    db.session.expire_all()
    assert [str(g.weight) for g in db.session.get(Survey, setup.survey.id).groups] == [
        "1.00",
        "2.00",
        "3.00",
        "4.00",
        "5.00",
        "6.00",
    ]
    db.session.commit()
    assert "survey.weights" in _actions()


def test_a_groups_invitations_download_as_xlsx_links_and_pdf_qr_cards(
    office: FlaskClient, setup: SurveySetup
) -> None:
    group = setup.group(EvaluatorGroup.SERVICE_USERS)
    base = f"/surveys/{setup.survey.id}/groups/{group.id}/invitations"
    xlsx = office.get(f"{base}.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "评价群体", "链接", "状态")
    assert {LINK.search(str(row[2])).group(1) for row in rows[1:]} == set(setup.tokens)
    assert all(row[1] == "主要服务对象" and row[3] == "未使用" for row in rows[1:])
    pdf = office.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and b"STSong-Light" in pdf.data


def test_the_office_pages_are_refused_to_unit_staff_and_anonymous_visitors(
    client: FlaskClient, setup: SurveySetup
) -> None:
    group = setup.survey.groups[0]
    paths = [
        "/surveys/",
        f"/surveys/{setup.survey.id}",
        f"/surveys/{setup.survey.id}/groups/{group.id}",
        f"/surveys/{setup.survey.id}/groups/{group.id}/invitations.xlsx",
        f"/surveys/{setup.survey.id}/groups/{group.id}/invitations.pdf",
    ]
    for path in paths:
        assert client.get(path).status_code == 302  # to the sign-in page
    sign_in(client, "unit1")
    for path in paths:
        assert client.get(path).status_code == 403
    token = page_csrf(client, "/")
    issue = client.post(
        f"/surveys/{setup.survey.id}/groups/{group.id}/invitations",
        data={"csrf_token": token, "count": "5"},
    )
    assert issue.status_code == 403
    assert "/surveys/" not in client.get("/").get_data(as_text=True)


def test_the_office_sees_each_units_y_with_the_answers_behind_it(
    office: FlaskClient, setup: SurveySetup
) -> None:
    """Issue 12 §7: Y per unit, shown with the counts per level it comes from."""
    assert office.post(f"/survey/{setup.tokens[0]}", data=full_sheet("4")).status_code == 303
    assert office.post(f"/survey/{setup.tokens[1]}", data=full_sheet("5")).status_code == 303
    html = office.get(f"/surveys/{setup.survey.id}").get_data(as_text=True)
    table = html.split('data-testid="survey-y"')[1].split("</table>")[0]
    first = table.split("<tbody>")[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in first.split('<td class="text-end')[1:]]
    assert [c.split(">", 1)[1].strip() for c in cells] == ["1", "1", "0", "0", "0", "87.50"]
