"""The drafting table on the task page (issue 18): the whole width for its columns, no internal
id, a running weight total, and a save-draft button that keeps the task with its author; a draft
sent back by the weight check shows the reason next to the table as well as on top."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import page_csrf, sign_in
from tests.indicators.drive import only_task
from tests.indicators.test_deciders_see import _fgw
from tests.indicators.test_progress_reporting import YEAR
from tests.workflow.helpers import bearer, inbox, start


def _draft_page(client: FlaskClient) -> tuple[str, list[dict[str, Any]]]:
    """FGW's setting started; unit1 signed in on the page. The draft task's link and rows."""
    start(
        client, bearer(client, "office1"), "indicator_setting", unit_code="FGW", data={"year": YEAR}
    )
    draft = only_task(client, bearer(client, "unit1"), "draft")
    sign_in(client, "unit1")
    return f"/tasks/{draft['id']}", draft["data"]["indicators"]


def _posted(
    client: FlaskClient, link: str, rows: list[dict[str, Any]], weights: list[int]
) -> dict[str, str]:
    form = {"csrf_token": page_csrf(client, link)}
    for number, (row, weight) in enumerate(zip(rows, weights, strict=True)):
        for column in ("id", "kind", "title", "target", "measure"):
            form[f"indicators.{number}.{column}"] = str(row.get(column) or "")
        form[f"indicators.{number}.weight"] = str(weight)
    return form


def test_the_drafting_table_has_the_width_a_total_and_a_save_draft_button(
    shipped: FlaskClient,
) -> None:
    client = shipped
    link, _rows = _draft_page(client)
    page = client.get(link).get_data(as_text=True)
    assert re.search(r'<div class="col-12" data-testid="task-form-column">', page)
    table = page[page.index('data-field="indicators"') :]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]*)', table[: table.index("</thead>")])
    assert headers == [
        "类别",
        "指标名称 *",
        "目标值",
        "衡量标准",
        "权重（分） *",
        "里程碑（用；分隔）",
    ]
    assert 'data-total-for="indicators" data-total-column="weight" data-total-expected="80"' in page
    assert re.search(r'<button [^>]*name="keep_drafting" value="on"[^>]*>保存草稿</button>', page)
    assert 'type="checkbox" id="f-keep_drafting"' not in page
    assert "task-form.js" in page


def test_saving_a_draft_keeps_the_task_with_its_author_and_says_so(shipped: FlaskClient) -> None:
    client = shipped
    link, rows = _draft_page(client)
    form = _posted(client, link, rows, [10, 10, 10])
    saved = client.post(link, data={**form, "keep_drafting": "on"}, follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "草稿已保存，任务仍在您的待办中。" in text and "已退回" not in text
    assert [t["spec_id"] for t in inbox(client, bearer(client, "unit1"))] == ["draft"]
    assert [float(i.current.weight) for i in _fgw()] == [10, 10, 10]


def test_a_draft_sent_back_shows_the_reason_next_to_the_table_and_on_top(
    shipped: FlaskClient,
) -> None:
    client = shipped
    link, rows = _draft_page(client)
    sent_back = client.post(link, data=_posted(client, link, rows, [10, 10, 10]))
    assert sent_back.status_code == 302
    page = client.get(sent_back.headers["Location"]).get_data(as_text=True)
    summary = page[page.index('id="f-draft_problems"') :]
    assert "权重合计为 30.00，应为 80。" in summary[: summary.index("</div>")]
    table = page[page.index('data-field="indicators"') :]
    errors = table[table.index('id="f-indicators-errors"') :]
    assert "权重合计为 30.00，应为 80。" in errors[: errors.index("</div></div>")]
    assert re.search(r'name="indicators\.0\.weight" aria-label="权重（分）" value="10"', page)
