"""The public rating page on a phone (390 px wide), without JavaScript."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.browser.conftest import screenshot
from tests.factories import make_unit

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def rating_link(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("rating") / "live.sqlite"
    shutil.copy(sqlite_template, database)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        token = make_unit("FGW", name="江西省发展和改革委员会").rating_token
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/rate/{token}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def test_a_phone_rates_an_agency_without_javascript(browser: Browser, rating_link: str) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(rating_link)
    expect(page.get_by_role("heading", name="江西省发展和改革委员会")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="提交评价").click()  # nothing chosen yet
    expect(page.locator("#level-error")).to_be_visible()
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("意见建议（选填）").fill("<b>办事很快</b>")
    screenshot(page, "rating-page-phone")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_test_id("rating-thanks")).to_contain_text("感谢您的评价")
    page.goto(rating_link)
    expect(page.get_by_test_id("already-rated")).to_contain_text("今天已评价")
    context.close()


def test_the_rating_page_passes_the_wcag_checks_with_and_without_errors(
    browser: Browser, rating_link: str
) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    page = context.new_page()
    checks = """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
        .map(v => `${v.id} (${v.impact}) at ${v.nodes.map(n => n.target.join(' '))}`)"""
    page.goto(rating_link)
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(checks) == []
    page.get_by_label("意见建议（选填）").fill("长" * 10)
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#level-error")).to_be_visible()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(checks) == []
    context.close()
