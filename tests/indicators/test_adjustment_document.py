"""The leader asked to decide an indicator adjustment downloads the request's document from the
task page (issue 18): whoever works or worked a task of an instance reads its evidence, each
download audited; anyone else is told there is no such file."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from tests.factories import sign_in
from tests.indicators.drive import done, only_task, work
from tests.indicators.test_deciders_see import _fgw, _upload
from tests.indicators.test_progress_reporting import YEAR, approved  # noqa: F401
from tests.workflow.helpers import bearer, start

PDF = b"%PDF-1.7\n request"


def _request_adjustment(client: FlaskClient) -> str:
    """FGW asks to change its first indicator's target; its head signs. The document's id."""
    unit = bearer(client, "unit1")
    first = _fgw()[0]
    start(client, unit, "indicator_adjustment", unit_code="FGW", data={"year": YEAR})
    request = only_task(client, unit, "request")
    document = _upload(client, unit, request["id"])
    done(
        client,
        unit,
        request,
        indicator_id=first.id,
        target="提前完成",
        reason="省政府新部署",
        document=document,
    )
    work(client, "head1", "head_sign", signed=True, head_decision="approve")
    return document


def _as(app: Flask, username: str) -> FlaskClient:
    """A browser of its own, signed in as `username`."""
    client = app.test_client()
    sign_in(client, username)
    return client


def test_the_deciding_leader_downloads_the_request_document_from_the_task_page(
    app: Flask,
    approved: FlaskClient,  # noqa: F811
) -> None:
    client = approved
    document = _request_adjustment(client)
    decision = only_task(client, bearer(client, "leader1"), "leader_decision")

    leader = _as(app, "leader1")
    page = leader.get(f"/tasks/{decision['id']}").get_data(as_text=True)
    link = re.search(r'<a href="(/evidence/[^"]+)" data-testid="file-link">([^<]*)</a>', page)
    assert link is not None and link.groups() == (f"/evidence/{document}", "请示.pdf")
    assert document not in re.sub(r'href="[^"]*"', "", page)  # the id is no text on the page

    download = leader.get(link.group(1))
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    audited = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "evidence.download")
    ).scalar_one()
    assert audited.object_id == document

    # Once decided, the leader still reads what they decided on.
    work(client, "leader1", "leader_decision", leader_decision="consent")
    assert leader.get(f"/evidence/{document}").status_code == 200


def test_someone_with_no_task_in_the_instance_is_refused_the_document(
    app: Flask,
    approved: FlaskClient,  # noqa: F811
) -> None:
    client = approved
    document = _request_adjustment(client)
    for outsider in ("leader2", "unit2", "expert1"):
        assert _as(app, outsider).get(f"/evidence/{document}").status_code == 404, outsider
    denied = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "access.denied")
    ).scalars()
    assert len(list(denied)) == 3
    assert (
        db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "evidence.download")
        ).first()
        is None
    )
