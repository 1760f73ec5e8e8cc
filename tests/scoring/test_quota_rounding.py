"""The year's quota rounding (SPEC §9): the office sets it on the score table page, gathering
reads it, the grades follow it, the page and the workbook say which rounding made them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.auth.services import actor_for
from app.evaluations.models import DepartmentItem, SheetKind
from app.extensions import db
from app.org.models import AssessmentYear
from app.scoring.demo import add_department_score, add_indicator, add_sheet, add_survey
from app.scoring.gather import compute_year, gather_inputs
from app.scoring.models import ScoreRun
from tests.factories import make_unit, make_user, page_csrf, sign_in

NOW = datetime(2027, 1, 20, 2, 0, tzinfo=UTC)
YEAR = 2026
COMPLETIONS = ("0.9", "0.8", "0.7", "0.6")  # four units of one category, T falling in turn


def seed_four_units() -> None:
    """N = 4: floor gives ⌊1.6⌋ = 1 excellent and ⌊3.6⌋ = 3 places; half-up gives 2 and 4."""
    office = make_user("office1", Role.OFFICE_STAFF)
    leader = make_user("leader1", Role.PROVINCIAL_LEADER)
    group = make_user("group1", Role.LEADING_GROUP)
    units = [make_unit(f"U{n}", name=f"单位{n}") for n in range(1, 5)]
    s = db.session
    for unit, completion in zip(units, COMPLETIONS, strict=True):
        add_indicator(
            s,
            year=YEAR,
            unit_id=unit.id,
            weight=Decimal(50),
            completion=Decimal(completion),
            now=NOW,
        )
        add_department_score(
            s, year=YEAR, item=DepartmentItem.LEADERSHIP, unit_id=unit.id, actual=Decimal(14)
        )
    for kind, rater in ((SheetKind.LEADER, leader), (SheetKind.LEADING_GROUP, group)):
        add_sheet(
            s,
            year=YEAR,
            kind=kind,
            rater_id=rater.id,
            scores={u.id: Decimal(90) for u in units},
            now=NOW,
        )
    add_survey(s, year=YEAR, answers={u.id: [5, 4] for u in units}, now=NOW)
    db.session.commit()
    assert office.id


def grades(run: ScoreRun) -> list[str]:
    return [row.proposed_grade.value for row in sorted(run.rows, key=lambda r: r.rank)]


def office_actor() -> Any:
    from app.auth.models import User

    user = db.session.execute(select(User).where(User.username == "office1")).scalar_one()
    return actor_for(user)


def set_rounding(client: FlaskClient, value: str) -> Any:
    csrf = page_csrf(client, f"/scores/{YEAR}")
    return client.post(
        f"/scores/{YEAR}/quota-rounding", data={"csrf_token": csrf, "quota_rounding": value}
    )


def test_the_setting_changes_the_gathered_rounding_and_the_grades(
    app: Any, client: FlaskClient
) -> None:
    seed_four_units()
    assert gather_inputs(db.session, YEAR)["quota_rounding"] == "floor"
    floor_run = compute_year(db.session, office_actor(), YEAR, "年度计分", now=NOW)
    db.session.commit()
    assert grades(floor_run) == ["优秀", "良好", "良好", "合格"]
    assert floor_run.quota_rounding == "floor"

    sign_in(client, "office1")
    done = set_rounding(client, "half_up")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/scores/{YEAR}")
    db.session.expire_all()
    assert db.session.get(AssessmentYear, YEAR).quota_rounding == "half_up"
    assert gather_inputs(db.session, YEAR)["quota_rounding"] == "half_up"
    half_up_run = compute_year(db.session, office_actor(), YEAR, "改为四舍五入", now=NOW)
    db.session.commit()
    assert grades(half_up_run) == ["优秀", "优秀", "良好", "良好"]
    assert half_up_run.quota_rounding == "half_up"


def test_the_page_and_the_workbook_say_which_rounding_made_the_grades(
    app: Any, client: FlaskClient
) -> None:
    seed_four_units()
    compute_year(db.session, office_actor(), YEAR, "年度计分", now=NOW)
    db.session.commit()
    sign_in(client, "office1")
    set_rounding(client, "half_up")
    response = client.get(f"/scores/{YEAR}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = page.split('data-testid="quota-rounding"', 1)[1].split("</form>", 1)[0]
    assert "本版本的等次名额：向下取整" in shown  # version 1 was graded with floor
    assert "本年度设置：四舍五入" in shown
    assert '<option value="half_up" selected' in shown
    book = load_workbook(io.BytesIO(client.get(f"/scores/{YEAR}/scores.xlsx").data))
    assert "等次名额向下取整" in book.active["A1"].value
    compute_year(db.session, office_actor(), YEAR, "改为四舍五入", now=NOW)
    db.session.commit()
    book = load_workbook(io.BytesIO(client.get(f"/scores/{YEAR}/scores.xlsx").data))
    assert "等次名额四舍五入" in book.active["A1"].value


def test_the_change_is_audited_with_before_and_after(app: Any, client: FlaskClient) -> None:
    seed_four_units()
    compute_year(db.session, office_actor(), YEAR, "年度计分", now=NOW)
    db.session.commit()
    sign_in(client, "office1")
    set_rounding(client, "half_up")
    (entry,) = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "scores.quota_rounding")
    ).scalars()
    assert (entry.object_type, entry.object_id, entry.actor_name) == ("year", "2026", "office1")
    assert entry.before == {"quota_rounding": "floor"}
    assert entry.after == {"quota_rounding": "half_up"}


def test_a_bad_value_gets_a_clear_message_and_changes_nothing(
    app: Any, client: FlaskClient
) -> None:
    seed_four_units()
    compute_year(db.session, office_actor(), YEAR, "年度计分", now=NOW)
    db.session.commit()
    sign_in(client, "office1")
    refused = set_rounding(client, "ceiling")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="quota_rounding-error"' in page and "请选择等次名额的取整方式" in page
    db.session.expire_all()
    assert db.session.get(AssessmentYear, YEAR).quota_rounding == "floor"
    assert not db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "scores.quota_rounding")
    ).first()


def test_only_the_office_sets_the_rounding(app: Any, client: FlaskClient) -> None:
    seed_four_units()
    compute_year(db.session, office_actor(), YEAR, "年度计分", now=NOW)
    db.session.commit()
    make_user("leader9", Role.PROVINCIAL_LEADER)
    sign_in(client, "leader9")
    page = client.get(f"/scores/{YEAR}").get_data(as_text=True)
    assert 'name="quota_rounding"' not in page and "本年度设置：向下取整" in page
    refused = set_rounding(client, "half_up")
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(AssessmentYear, YEAR).quota_rounding == "floor"
