"""The demo's year of public ratings (`demo load`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.evaluations.ratings.demo import load_rating_demo
from app.evaluations.ratings.models import DailyRating, Moderation
from app.evaluations.ratings.queries import unit_summaries
from app.extensions import db
from app.org.demo import load_demo
from tests.factories import PASSWORD
from tests.workflow.helpers import bearer, inbox

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_the_demo_has_a_year_of_ratings_and_a_bad_review_to_rectify(
    app: Flask, client: FlaskClient
) -> None:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    load_demo(db.session, password=PASSWORD, now=NOW)
    with time_machine.travel(NOW, tick=False):
        added = load_rating_demo(db.session, bpmn_dir=ROOT / "bpmn", now=NOW)
        db.session.commit()
        assert load_rating_demo(db.session, bpmn_dir=ROOT / "bpmn", now=NOW).ratings == 0
    assert added.ratings > 2000 and added.rectifications == 1
    total = db.session.execute(select(func.count()).select_from(DailyRating)).scalar()
    assert total == added.ratings
    summaries = unit_summaries(db.session, 2026)
    assert any(s.d is None for s in summaries) and any(s.d is not None for s in summaries)
    assert any(s.flagged for s in summaries) and any(s.invalid for s in summaries)
    invalid = (
        db.session.execute(select(DailyRating).where(DailyRating.moderation == Moderation.INVALID))
        .scalars()
        .all()
    )
    assert invalid and all(r.moderation_reason for r in invalid)
    months = {r.rated_on.month for r in db.session.execute(select(DailyRating)).scalars()}
    assert len(months) >= 10
    tasks = inbox(client, bearer(client, "unit1"))
    assert any(t["spec_id"] == "reply" for t in tasks)
