"""Schemathesis against /api/v1/openapi.json, in-process: with an office token and a unit token,
every operation (but sign-out, which would revoke the token under test) answers without a server
error and as the description says, for valid and invalid input alike (issue 19)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)

from app.auth.roles import Role
from app.extensions import db
from tests.factories import api_token, make_unit, make_user

pytestmark = pytest.mark.fuzz

EXAMPLES_PER_OPERATION = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "8"))  # more for a long run
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,  # the same requests on every run: a CI failure can be replayed
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("username", ["office1", "unit1"])
def test_every_operation_answers_as_described(
    app: Flask, client: FlaskClient, username: str
) -> None:
    unit = make_unit("FGW")
    make_user("office1", Role.OFFICE_STAFF)
    make_user("unit1", (Role.UNIT_STAFF, unit))
    headers = {"Authorization": f"Bearer {api_token(client, username)}"}
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).exclude(
        path="/auth/token", method="DELETE"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15
    for operation in operations:
        _fuzz(operation, headers)


def _fuzz(operation: Any, headers: dict[str, str]) -> None:
    """Schemathesis' coverage phase (every bound, just inside and just outside, each missing or
    wrongly typed value) then random valid and invalid requests; every answer checked by every
    check."""

    def answers_as_described(case: Case) -> None:
        case.call_and_validate(headers=headers)

    create_test(
        operation=operation,
        test_func=answers_as_described,
        config=HypothesisTestConfig(
            project=operation.schema.config,
            modes=[
                HypothesisTestMode.EXAMPLES,
                HypothesisTestMode.COVERAGE,
                HypothesisTestMode.FUZZING,
            ],
            settings=FUZZ_SETTINGS,
        ),
    )()
