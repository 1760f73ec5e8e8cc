"""The year-end survey in a real browser: office1 finds an unused demo invitation, and an
evaluator fills the survey on a phone, first leaving a unit out, then in full."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from app import create_app
from app.db import utcnow
from app.evaluations.survey.demo import load_survey_demo
from app.extensions import db
from app.org.demo import load_demo
from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def survey_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on the demo province with the demo's year-end survey."""
    folder = tmp_path_factory.mktemp("survey")
    shutil.copy(sqlite_template, folder / "survey.sqlite")
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'survey.sqlite'}"}
    )
    with app.app_context():
        load_demo(db.session, password=DEMO_PASSWORD, now=utcnow())
        load_survey_demo(db.session, secret_key=app.config["SECRET_KEY"], now=utcnow())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def _unused_link(page: Page, server: str) -> str:
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill("office1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/")
    page.get_by_role("button", name="年度考核").click()  # the office's menu of the year's work
    page.get_by_role("link", name="年终社会评价").click()
    page.get_by_role("link", name="2026 ·", exact=False).click()
    expect(page.get_by_test_id("survey-progress-experts")).to_contain_text("40")
    page.get_by_role("link", name="专家学者").click()
    link = page.get_by_test_id("invitation-link").first.get_attribute("href")
    assert link is not None and "/survey/" in link
    return link


def test_an_evaluator_fills_the_survey_on_a_phone(survey_server: str, browser: Browser) -> None:
    office = browser.new_context(locale="zh-CN")
    link = _unused_link(office.new_page(), survey_server)
    office.close()

    context = browser.new_context(locale="zh-CN", bypass_csp=True, java_script_enabled=True)
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    units = page.get_by_test_id("survey-unit")
    count = units.count()
    assert count >= 60
    assert _violations(page) == []
    for index in range(1, count):  # every unit but the first
        units.nth(index).locator("label").nth(index % 6).click()
    page.get_by_role("button", name="提交答卷").click()
    expect(page.get_by_test_id("survey-errors")).to_contain_text("1 个单位尚未作答")
    expect(page.get_by_test_id("survey-missing")).to_have_count(1)
    first = page.get_by_test_id("survey-unit").first
    expect(first.get_by_test_id("survey-missing")).to_be_visible()
    expect(units.nth(2).locator("input").nth(2)).to_be_checked()  # what was chosen is kept
    screenshot(page, "survey-missing-unit-phone")
    first.get_by_text("满意", exact=True).click()
    page.get_by_role("button", name="提交答卷").click()
    expect(page.get_by_test_id("survey-thanks")).to_be_visible()
    page.goto(link)
    expect(page.get_by_test_id("survey-refusal")).to_contain_text("已使用")
    context.close()
