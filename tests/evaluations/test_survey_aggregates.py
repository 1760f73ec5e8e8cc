"""Scoring inputs from the survey: counts per level without 不了解; Y with and without weights."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

from app.evaluations.survey.aggregates import yearend_counts, yearend_scores
from app.evaluations.survey.answering import submit_answers
from app.evaluations.survey.models import EvaluatorGroup
from app.evaluations.survey.services import issue_invitations, set_group_weights
from app.extensions import db
from tests.evaluations.survey_helpers import DURING, build_survey, office_actor


def _answer(token: str, fgw: str, gxt: str, jyt: str = "0") -> None:
    submit_answers(db.session, token, {"FGW": fgw, "GXT": gxt, "JYT": jyt}, now=DURING)


def test_counts_per_level_leave_dont_know_out_and_y_is_the_mean_level_score(app: Flask) -> None:
    setup = build_survey(app)
    _answer(setup.tokens[0], "5", "0")
    _answer(setup.tokens[1], "4", "2")
    _answer(setup.tokens[2], "4", "0")
    db.session.commit()
    counts = yearend_counts(db.session, 2026)
    assert counts == {
        "FGW": {"非常满意": 1, "满意": 2, "基本满意": 0, "不满意": 0, "非常不满意": 0},
        "GXT": {"非常满意": 0, "满意": 0, "基本满意": 0, "不满意": 1, "非常不满意": 0},
    }  # JYT: only 不了解, so no answers at all
    scores = yearend_scores(db.session, 2026)
    assert scores["FGW"] == Decimal("250") / 3
    assert scores["GXT"] == Decimal(25)
    assert "JYT" not in scores
    assert yearend_counts(db.session, 2025) == {} and yearend_scores(db.session, 2025) == {}


def test_with_group_weights_y_is_the_weighted_mean_of_the_groups_means(app: Flask) -> None:
    setup = build_survey(app, invitations=2)
    office = office_actor()
    experts = setup.group(EvaluatorGroup.EXPERTS)
    expert_tokens = issue_invitations(
        db.session,
        actor=office,
        group=experts,
        count=1,
        secret_key=app.config["SECRET_KEY"],
        now=DURING,
    )
    _answer(setup.tokens[0], "5", "5")  # service users: FGW 100, 100
    _answer(setup.tokens[1], "5", "3")  # service users: FGW 100, GXT 50
    _answer(expert_tokens[0], "1", "0")  # expert: FGW 0, GXT don't know
    unweighted = yearend_scores(db.session, 2026)
    assert unweighted["FGW"] == Decimal(200) / 3 and unweighted["GXT"] == Decimal(75)
    weights = {group.id: "1" for group in setup.survey.groups}
    weights[experts.id] = "3"
    set_group_weights(db.session, actor=office, survey=setup.survey, weights=weights, now=DURING)
    weighted = yearend_scores(db.session, 2026)
    assert weighted["FGW"] == Decimal(25)  # (1 × 100 + 3 × 0) / 4
    assert weighted["GXT"] == Decimal(75)  # the experts gave no level: service users alone
    # The counts for scoring stay per answer whatever the weights.
    assert yearend_counts(db.session, 2026)["FGW"]["非常不满意"] == 1
    db.session.commit()
