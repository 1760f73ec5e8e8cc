"""The office's cycle page draws how many units stand at each phase's steps as badges on the
`annual_cycle` diagram's elements, with the same numbers as text for screen readers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.cycle.services import start_cycle
from app.extensions import db
from app.workflow.models import HumanTask, HumanTaskState, ProcessInstance
from tests.browser.conftest import screenshot, serve_demo, sign_in_as

pytestmark = pytest.mark.browser

STARTED_AT = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)  # after indicator setting's date (Jan 10)
OFFICE = Actor(None, "test", frozenset({RoleScope(Role.OFFICE_STAFF)}))
EXPECTED: dict[str, int] = {}


def _start_cycle() -> None:
    start_cycle(db.session, OFFICE, 2026, now=STARTED_AT)
    db.session.flush()
    for key, element in (("indicator_setting", "open_indicator_setting"),):
        EXPECTED[element] = db.session.execute(
            select(func.count(func.distinct(ProcessInstance.unit_id)))
            .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
            .where(
                ProcessInstance.year == 2026,
                ProcessInstance.process_key.in_((key, "indicator_adjustment")),
                HumanTask.state == HumanTaskState.READY,
            )
        ).scalar_one()


@pytest.fixture(scope="module")
def cycle_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cycle")
    shutil.copy(sqlite_template, folder / "demo.sqlite")
    yield from serve_demo(folder, _start_cycle)


def test_the_diagram_shows_the_units_at_each_phase_as_badges(cycle_server: str, page: Page) -> None:
    assert EXPECTED["open_indicator_setting"] > 0
    sign_in_as(page, cycle_server, "office1")
    page.goto(f"{cycle_server}/cycle/2026")
    setting = page.locator('.jx-count[data-element-id="open_indicator_setting"]')
    expect(setting).to_have_text(str(EXPECTED["open_indicator_setting"]))
    expect(page.locator('.jx-count[data-element-id="open_signoff"]')).to_have_text("0")
    # each badge sits in the overlay of its own element
    overlay = page.locator('.djs-overlays[data-container-id="open_indicator_setting"] .jx-count')
    expect(overlay).to_have_count(1)
    assert page.locator(".jx-count").count() == 7  # every phase with procedures (not scoring)
    # the text alternative the figure points to
    figure = page.locator(".jx-diagram")
    expect(figure).to_have_attribute("aria-describedby", "cycle-counts")
    expect(page.get_by_test_id("cycle-counts")).to_contain_text(
        f"指标编制：{EXPECTED['open_indicator_setting']} 个单位有待办环节"
    )
    screenshot(page, "cycle-diagram-counts")
