"""The demo's year-end survey: loaded once, answers for every unit, unused links that work."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.db import utcnow
from app.evaluations.survey.aggregates import yearend_counts, yearend_scores
from app.evaluations.survey.demo import load_survey_demo
from app.evaluations.survey.models import InvitationStatus, SurveyInvitation, SurveyResponse
from app.evaluations.survey.tokens import invitation_token
from app.extensions import db
from app.org.demo import load_demo
from app.org.services import memberships


def test_the_demo_survey_loads_once_with_answers_for_every_unit(
    app: Flask, client: FlaskClient
) -> None:
    load_demo(db.session, password="demo-pass-2026", now=utcnow())
    secret = app.config["SECRET_KEY"]
    assert load_survey_demo(db.session, secret_key=secret, now=utcnow()) == 240
    assert load_survey_demo(db.session, secret_key=secret, now=utcnow()) == 0
    db.session.commit()
    sheets = db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one()
    unused = (
        db.session.execute(
            select(SurveyInvitation).where(SurveyInvitation.status == InvitationStatus.ISSUED)
        )
        .scalars()
        .all()
    )
    assert sheets == 240 and len(unused) == 30
    units = {membership.unit.code for membership in memberships(db.session, 2026)}
    assert set(yearend_counts(db.session, 2026)) == units
    assert all(0 <= y <= 100 for y in yearend_scores(db.session, 2026).values())
    token = invitation_token(unused[0].nonce, secret)
    db.session.commit()
    assert client.get(f"/survey/{token}").status_code == 200
