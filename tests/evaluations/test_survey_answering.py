"""The evaluator's page: answered once, forged, expired, not yet open, revoked, partly filled,
two submissions at once, and no link between an answer sheet and its invitation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select

from app.audit.models import AuditEntry
from app.evaluations.survey.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from app.evaluations.survey.services import issue_invitations, revoke_invitation
from app.extensions import db
from tests.evaluations.survey_helpers import (
    DURING,
    SurveySetup,
    build_survey,
    full_sheet,
    office_actor,
)


@pytest.fixture
def setup(app: Flask) -> SurveySetup:
    return build_survey(app)


@pytest.fixture(autouse=True)
def clock() -> object:
    with time_machine.travel(DURING, tick=True) as traveller:
        yield traveller


def _count(model: type) -> int:
    value = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    db.session.commit()
    return int(value)


def test_the_form_lists_every_unit_by_category_with_five_levels_and_dont_know(
    client: FlaskClient, setup: SurveySetup
) -> None:
    page = client.get(f"/survey/{setup.tokens[0]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("省发展改革委", "省工业和信息化厅", "省教育厅", "经济发展类", "社会服务类"):
        assert text in html
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意", "不了解"):
        assert level in html
    assert 'name="unit-FGW"' in html
    assert "<script" not in html.split("</main>")[0]  # the form needs no JavaScript


def test_an_invitation_answers_once_and_its_second_use_is_refused_with_409(
    client: FlaskClient, setup: SurveySetup
) -> None:
    token = setup.tokens[0]
    sheet = {**full_sheet("5"), "unit-JYT": "0"}
    first = client.post(f"/survey/{token}", data=sheet)
    assert first.status_code == 303
    assert "已收到" in client.get(first.headers["Location"]).get_data(as_text=True)

    second = client.post(f"/survey/{token}", data=full_sheet("1"))
    assert second.status_code == 409
    assert "已使用" in second.get_data(as_text=True)
    assert client.get(f"/survey/{token}").status_code == 409
    assert _count(SurveyResponse) == 1
    levels = db.session.execute(select(SurveyAnswer.level)).scalars().all()
    assert sorted(levels, key=lambda level: level or 0) == [None, 5, 5]


def test_a_forged_token_gets_404(client: FlaskClient, setup: SurveySetup) -> None:
    forged = "A" * 22
    assert client.get(f"/survey/{forged}").status_code == 404
    response = client.post(f"/survey/{forged}", data=full_sheet())
    assert response.status_code == 404
    assert "无效" in response.get_data(as_text=True)
    assert client.get("/survey/short").status_code == 404
    assert _count(SurveyResponse) == 0


def test_after_the_close_date_the_link_is_gone_with_410(
    client: FlaskClient, setup: SurveySetup, clock: object
) -> None:
    token = setup.tokens[0]
    # 2026-12-20 23:59 in Shanghai is still open; a second past 23:59:59 it is closed.
    clock.move_to(datetime(2026, 12, 20, 15, 59, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    assert client.get(f"/survey/{token}").status_code == 200
    clock.move_to(datetime(2026, 12, 20, 16, 0, 1, tzinfo=UTC))  # type: ignore[attr-defined]
    closed = client.post(f"/survey/{token}", data=full_sheet())
    assert closed.status_code == 410
    assert "不再接受作答" in closed.get_data(as_text=True)
    assert _count(SurveyResponse) == 0


def test_before_the_opening_date_the_link_says_when_it_opens_with_403(
    client: FlaskClient, setup: SurveySetup, clock: object
) -> None:
    clock.move_to(datetime(2026, 11, 30, 15, 59, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    early = client.get(f"/survey/{setup.tokens[0]}")
    assert early.status_code == 403
    assert "2026-12-01" in early.get_data(as_text=True)


def test_a_revoked_invitation_no_longer_opens(client: FlaskClient, setup: SurveySetup) -> None:
    from tests.evaluations.survey_helpers import office_actor

    invitation = (
        db.session.execute(select(SurveyInvitation).order_by(SurveyInvitation.id)).scalars().first()
    )
    assert invitation is not None
    revoke_invitation(
        db.session,
        actor=office_actor(),
        survey=setup.survey,
        invitation_id=invitation.id,
        now=DURING,
    )
    db.session.commit()
    assert client.get(f"/survey/{setup.tokens[0]}").status_code == 410
    assert client.get(f"/survey/{setup.tokens[1]}").status_code == 200


def test_a_partly_filled_sheet_marks_the_missing_units_and_keeps_every_choice(
    client: FlaskClient, setup: SurveySetup
) -> None:
    token = setup.tokens[0]
    response = client.post(f"/survey/{token}", data={"unit-FGW": "2", "unit-GXT": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-JYT"' in html and 'id="error-FGW"' not in html
    assert "1 个单位尚未作答" in html
    assert 'value="2"\n               autocomplete="off" checked' in html
    assert 'id="unit-GXT-0" value="0"\n               autocomplete="off" checked' in html
    assert _count(SurveyResponse) == 0
    invitation = (
        db.session.execute(select(SurveyInvitation).order_by(SurveyInvitation.id)).scalars().first()
    )
    assert invitation is not None and invitation.status == InvitationStatus.ISSUED
    db.session.commit()
    assert client.post(f"/survey/{token}", data=full_sheet()).status_code == 303


def test_a_bad_level_is_refused_like_a_missing_one(client: FlaskClient, setup: SurveySetup) -> None:
    sheet = {**full_sheet(), "unit-GXT": "9"}
    response = client.post(f"/survey/{setup.tokens[0]}", data=sheet)
    assert response.status_code == 422
    assert 'id="error-GXT"' in response.get_data(as_text=True)


def test_nothing_links_an_answer_sheet_to_its_invitation(
    client: FlaskClient, setup: SurveySetup
) -> None:
    for token in setup.tokens[:2]:
        assert client.post(f"/survey/{token}", data=full_sheet("3")).status_code == 303
    inspector = inspect(db.engine)
    sheet_columns = {c["name"] for c in inspector.get_columns("survey_responses")}
    answer_columns = {c["name"] for c in inspector.get_columns("survey_answers")}
    invitation_columns = {c["name"] for c in inspector.get_columns("survey_invitations")}
    assert sheet_columns == {"id", "survey_id", "group_id"}
    assert answer_columns == {"response_id", "unit_id", "level"}
    assert not any(name.endswith("_at") for name in invitation_columns - {"issued_at"})
    # The sheets' ids are random, not numbers in the order the invitations were used.
    sheet_ids = db.session.execute(select(SurveyResponse.id)).scalars().all()
    assert all(len(sheet_id) == 32 and not sheet_id.isdigit() for sheet_id in sheet_ids)
    invitation_ids = {
        str(i) for i in db.session.execute(select(SurveyInvitation.id)).scalars().all()
    }
    answered = (
        db.session.execute(select(AuditEntry).where(AuditEntry.action == "survey.answer"))
        .scalars()
        .all()
    )
    assert len(answered) == 2
    for entry in answered:
        assert entry.object_type == "survey_group" and entry.actor_id is None
        assert entry.object_id not in invitation_ids or entry.object_id == str(
            setup.survey.groups[0].id
        )
        assert entry.after == {"units": 3}
    db.session.commit()


def _race(app: Flask, token: str) -> list[int]:
    """Two evaluators post the same token at the same instant; their status codes."""
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        own = app.test_client()
        barrier.wait()
        statuses.append(own.post(f"/survey/{token}", data=full_sheet()).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_simultaneous_submissions_with_one_token_store_one_sheet(
    app: Flask, setup: SurveySetup
) -> None:
    group = setup.survey.groups[0]
    more = issue_invitations(
        db.session,
        actor=office_actor(),
        group=group,
        count=7,
        secret_key=app.config["SECRET_KEY"],
        now=DURING,
    )
    db.session.commit()
    rounds = len(setup.tokens) + len(more)
    for token in setup.tokens + more:
        assert sorted(_race(app, token)) == [303, 409]
    assert _count(SurveyResponse) == rounds
    assert _count(SurveyAnswer) == rounds * 3
