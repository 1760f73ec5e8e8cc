"""The field-check sample is a reproducible draw recorded in the audit trail, and scoring reads
the verified completions only once a unit's verification is done."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from app.indicators.models import Indicator, IndicatorStatus
from app.verification import checks, procedure
from app.verification.models import Verification
from app.verification.queries import verified_indicators
from app.verification.sampling import derive_seed, draw_sample, sample_size
from tests.verification.conftest import SYSTEM, YEAR, approve, unit_of


@pytest.mark.parametrize(
    ("count", "drawn"), [(0, 0), (1, 1), (3, 1), (5, 1), (8, 2), (10, 2), (13, 3)]
)
def test_a_fifth_is_drawn_rounded_half_up_and_at_least_one(count: int, drawn: int) -> None:
    assert sample_size(count, Decimal("0.2")) == drawn


def test_the_same_seed_draws_the_same_indicators_and_another_seed_may_not() -> None:
    ids = list(range(100, 140))
    first = draw_sample(ids, "seed-a", Decimal("0.2"))
    assert len(first) == 8 and first == sorted(first) and set(first) <= set(ids)
    assert draw_sample(list(reversed(ids)), "seed-a", Decimal("0.2")) == first
    others = {tuple(draw_sample(ids, f"seed-{n}", Decimal("0.2"))) for n in range(5)}
    assert len(others) > 1
    assert derive_seed(YEAR, "FGW", "salt") == derive_seed(YEAR, "FGW", "salt")
    assert derive_seed(YEAR, "FGW", "salt") != derive_seed(YEAR, "NYT", "salt")


def _to_field_check(code: str, *, seed: str | None, share: Decimal | None) -> dict:
    """The unit's verification worked by the services up to its field checks."""
    unit_id, now = unit_of(code).id, utcnow()
    opened = procedure.open_verification(
        db.session, actor=SYSTEM, unit_id=unit_id, year=YEAR, instance_id=None, now=now
    )
    rows = [
        {**r, "completion": 100, "self_score": r["weight"], "explanation": "完成"}
        for r in opened["entries"]
    ]
    submitted = procedure.submit_self_evaluation(
        db.session, actor=SYSTEM, unit_id=unit_id, year=YEAR, rows=rows, evidence_ids=[], now=now
    )
    assert submitted == {"problems": []}
    procedure.sign(
        db.session, actor=SYSTEM, unit_id=unit_id, year=YEAR, approve=True, comment="", now=now
    )
    rows = checks.verification_forms(db.session, unit_id=unit_id, year=YEAR)["verifications"]
    result = checks.record_verification(
        db.session,
        actor=SYSTEM,
        unit_id=unit_id,
        year=YEAR,
        rows=rows,
        accept=True,
        reasons="",
        seed=seed,
        share=share,
        now=now,
    )
    db.session.commit()
    return result


def test_the_seed_and_the_drawn_list_are_in_the_audit_trail_and_redraw_the_same(
    shipped: FlaskClient,
) -> None:
    approve("FGW")
    result = _to_field_check("FGW", seed="2026-复核", share=Decimal("0.7"))
    [entry] = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "verification.sample_drawn")
    ).scalars()
    assert entry.after["seed"] == "2026-复核" and entry.after["share"] == "0.7"
    redrawn = draw_sample(entry.after["population"], entry.after["seed"], Decimal("0.7"))
    assert entry.after["drawn"] == redrawn and len(redrawn) == 2
    assert [r["indicator_id"] for r in result["sample"]] == redrawn
    verification = db.session.execute(select(Verification)).scalar_one()
    assert sorted(e.indicator_id for e in verification.entries if e.sampled) == redrawn


def test_without_a_given_seed_the_draw_uses_year_unit_and_the_stored_salt(
    shipped: FlaskClient,
) -> None:
    approve("FGW")
    result = _to_field_check("FGW", seed=None, share=None)
    verification = db.session.execute(select(Verification)).scalar_one()
    assert len(verification.salt) == 32
    assert result["seed"] == derive_seed(YEAR, "FGW", verification.salt)
    assert verification.sample_share == Decimal("0.2")
    assert len(result["sample"]) == 1


def test_a_verification_missing_a_row_or_naming_another_units_indicator_writes_nothing(
    shipped: FlaskClient,
) -> None:
    approve("FGW")
    gxt_indicator = (
        db.session.execute(select(Indicator.id).where(Indicator.unit_id == unit_of("GXT").id))
        .scalars()
        .first()
    )
    fgw = unit_of("FGW").id
    now = utcnow()
    opened = procedure.open_verification(
        db.session, actor=SYSTEM, unit_id=fgw, year=YEAR, instance_id=None, now=now
    )
    rows = [
        {**r, "completion": 50, "self_score": 1, "explanation": "部分完成"}
        for r in opened["entries"]
    ]
    procedure.submit_self_evaluation(
        db.session, actor=SYSTEM, unit_id=fgw, year=YEAR, rows=rows, evidence_ids=[], now=now
    )
    procedure.sign(
        db.session, actor=SYSTEM, unit_id=fgw, year=YEAR, approve=True, comment="", now=now
    )
    rows = checks.verification_forms(db.session, unit_id=fgw, year=YEAR)["verifications"]
    result = checks.record_verification(
        db.session,
        actor=SYSTEM,
        unit_id=fgw,
        year=YEAR,
        rows=[*rows[:2], {"indicator_id": gxt_indicator, "verified_completion": 1}],
        accept=True,
        reasons="",
        seed=None,
        share=None,
        now=now,
    )
    assert result["state"] == "problems" and len(result["problems"]) == 2
    verification = db.session.execute(select(Verification)).scalar_one()
    assert [e.verified_completion for e in verification.entries] == [None] * 3
    assert not any(e.sampled for e in verification.entries)


def test_scoring_reads_c_only_once_verified_and_sees_cancelled_indicators(
    shipped: FlaskClient,
) -> None:
    fgw = approve("FGW")
    approve("NYT")
    fgw[0].status = IndicatorStatus.CANCELLED
    db.session.commit()
    result = _to_field_check("NYT", seed=None, share=None)

    # NYT is at its field checks: c is set but not yet counted; FGW has none.
    before = verified_indicators(db.session, YEAR)
    assert [v.completion for v in before["NYT"]] == [None] * len(before["NYT"])
    assert [(v.cancelled, v.completion) for v in before["FGW"]] == [
        (True, None),
        (False, None),
        (False, None),
    ]
    assert sum(v.weight for v in before["FGW"]) == 80

    findings = [{**r, "finding": "confirmed"} for r in result["sample"]]
    checks.record_field_checks(
        db.session,
        actor=SYSTEM,
        unit_id=unit_of("NYT").id,
        year=YEAR,
        findings=findings,
        now=utcnow(),
    )
    db.session.commit()
    after = verified_indicators(db.session, YEAR)
    nyt_count = db.session.execute(
        select(Indicator).where(Indicator.unit_id == unit_of("NYT").id)
    ).all()
    assert [v.completion for v in after["NYT"]] == [Decimal(1)] * len(nyt_count)
    assert "GXT" not in after  # nothing approved
