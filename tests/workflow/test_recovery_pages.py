"""Office staff correct a failed step's data on the instance page and retry it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_user, page_csrf, sign_in
from tests.workflow.helpers import bearer, instance, script_process, start, upload


@pytest.fixture
def office(client: FlaskClient) -> dict[str, str]:
    """office1's API headers, with `divide` (r = 10 / d in a script task) deployed."""
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    upload(
        client, bearer(client, "owner1"), ("divide.bpmn", script_process("divide", "r = 10 / d"))
    )
    return bearer(client, "office1")


def test_office_staff_correct_the_failed_step_on_the_page_and_retry(
    client: FlaskClient, office: dict[str, str]
) -> None:
    failed = start(client, office, "divide", data={"d": 0, "备注": "测试"})
    assert failed["status"] == "error"

    sign_in(client, "office1")
    page_url = f"/instances/{failed['id']}"
    page = client.get(page_url).get_data(as_text=True)
    assert 'data-testid="instance-error"><strong>计算</strong>' in page  # the step by its name
    form = page[page.index('data-testid="retry"') :]
    assert "&#34;d&#34;: 0" in form and "备注" in form  # the step's data, readable, to correct

    token = page_csrf(client, page_url)
    for text, shown, message in (
        ("{d: 4", "{d: 4", "JSON"),
        ('["d", 4]', "[&#34;d&#34;, 4]", "JSON 对象"),
    ):
        refused = client.post(f"{page_url}/retry", data={"csrf_token": token, "data": text})
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert 'id="retry-data-errors"' in html and message in html
        assert f">{shown}</textarea>" in html  # what was typed is kept
    assert instance(client, office, failed["id"])["status"] == "error"  # nothing was run

    retried = client.post(f"{page_url}/retry", data={"csrf_token": token, "data": '{"d": 4}'})
    assert retried.status_code == 302
    done = instance(client, office, failed["id"])
    assert done["status"] == "completed" and done["data"]["r"] == 2.5


def test_the_history_says_why_a_process_stopped(
    client: FlaskClient, office: dict[str, str]
) -> None:
    failed = start(client, office, "divide", data={"d": 0})
    sign_in(client, "office1")
    page_url = f"/instances/{failed['id']}"
    token = page_csrf(client, page_url)
    ended = client.post(f"{page_url}/terminate", data={"csrf_token": token, "reason": "重复发起"})
    assert ended.status_code == 302
    history = client.get(page_url).get_data(as_text=True)
    assert 'data-kind="error">出错<div class="small text-danger">' in history
    assert "除数为零" in history and "division by zero" not in history
    assert (
        'data-kind="terminated">流程终止<div class="small text-muted">原因：重复发起</div>'
        in history
    )
