"""Proxy headers, vendor assets and error hygiene at the edges."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEntry
from app.auth.roles import Role
from app.extensions import db
from tests.factories import make_user, sign_in


def _last_sign_in_addr() -> str | None:
    db.session.expire_all()
    return db.session.execute(
        select(AuditEntry.client_addr)
        .where(AuditEntry.action == "auth.sign_in")
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).scalar()


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(client: FlaskClient) -> None:
    make_user("alice", Role.OFFICE_STAFF)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    sign_in(client, "alice")
    assert _last_sign_in_addr() == "127.0.0.1"


def test_forwarded_for_is_believed_from_a_configured_proxy(database_url: str) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1})
    with app.app_context():
        make_user("alice", Role.OFFICE_STAFF)
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
        sign_in(client, "alice")
        assert _last_sign_in_addr() == "203.0.113.9"
        db.session.remove()
        db.engine.dispose()


def test_vendor_serves_only_declared_packages(client: FlaskClient) -> None:
    ok = client.get("/vendor/bootstrap/dist/css/bootstrap.min.css")
    assert ok.status_code == 200 and ok.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/vendor/bpmn-js/dist/bpmn-viewer.production.min.js").status_code == 200
    assert client.get("/vendor/min-dash/package.json").status_code == 404  # not declared
    assert client.get("/vendor/bootstrap/../../package.json").status_code == 404


def test_an_unexpected_error_shows_a_request_id_and_no_trace(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    body = page.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "request id" in body.lower() or "请求编号" in body
