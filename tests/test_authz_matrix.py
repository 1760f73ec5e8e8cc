"""SECURITY S6: the function authorisation matrix in authz_matrix.yaml holds cell by cell."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask

from app.auth.roles import Role
from tests.factories import api_token, make_unit, make_user, sign_in

MATRIX = yaml.safe_load((Path(__file__).parent / "authz_matrix.yaml").read_text())


def test_every_role_gets_exactly_the_expected_answer(app: Flask) -> None:
    unit = make_unit("FGW")
    accounts = {
        "unit_staff": (Role.UNIT_STAFF, unit),
        "office_staff": Role.OFFICE_STAFF,
        "process_owner": Role.PROCESS_OWNER,
        "provincial_leader": Role.PROVINCIAL_LEADER,
        "supervisor": Role.SUPERVISOR,
        "sysadmin": Role.SYSADMIN,
        "secadmin": Role.SECADMIN,
        "auditor": Role.AUDITOR,
    }
    for name, role in accounts.items():
        make_user(name.replace("_", "."), role)
    actual: dict[tuple[str, str], int] = {}
    for role_name in MATRIX["roles"]:
        client = app.test_client()
        headers = {}
        if role_name != "anonymous":
            sign_in(client, role_name.replace("_", "."))
            headers = {"Authorization": f"Bearer {api_token(client, role_name.replace('_', '.'))}"}
        for path, expected in MATRIX["pages"].items():
            actual[(path, role_name)] = client.get(path).status_code
            assert len(expected) == len(MATRIX["roles"])
        for path in MATRIX["api"]:
            actual[(path, role_name)] = app.test_client().get(path, headers=headers).status_code
    expected = {
        (path, role): statuses[index]
        for section in ("pages", "api")
        for path, statuses in MATRIX[section].items()
        for index, role in enumerate(MATRIX["roles"])
    }
    mismatches = {
        cell: (actual[cell], expected[cell]) for cell in expected if actual[cell] != expected[cell]
    }
    assert mismatches == {}
