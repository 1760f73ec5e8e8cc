"""Posting the public rating form as a phone would: read the page, post its hidden inputs back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.auth.roles import Role
from tests.factories import make_user, sign_in

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden inputs of the rating form."""
    return dict(HIDDEN.findall(html))


def rate(client: FlaskClient, token: str, level: Any = 5, **fields: Any) -> Any:
    """Open the rating page and post it with `level` and any other fields."""
    headers, environ = fields.pop("headers", None), fields.pop("environ_base", {})
    page = client.get(f"/rate/{token}", headers=headers, environ_base=environ)
    assert page.status_code == 200, page.status_code
    data = {**hidden_inputs(page.get_data(as_text=True)), "level": level, **fields}
    return client.post(f"/rate/{token}", data=data, headers=headers, environ_base=environ)


@pytest.fixture
def office(app: Flask) -> FlaskClient:
    """A client signed in as office staff."""
    make_user("office1", Role.OFFICE_STAFF)
    client = app.test_client()
    sign_in(client, "office1")
    return client
