"""Backup and restore (SECURITY R12): one archive, restored into a fresh database and upload
folder, resumes the waiting work, keeps the evidence byte for byte (stored encrypted, read with
the same data keys) and the audit chain intact."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.db import utcnow
from app.evidence.models import EvidenceFile
from app.evidence.services import store_evidence
from app.evidence.storage import read_evidence
from app.extensions import db
from app.workflow.models import InstanceEvent, InstanceStatus, ProcessInstance
from app.workflow.timers.scheduler import run_tick
from tests.conftest import PG_URL, IsolatedClient
from tests.factories import make_user
from tests.workflow.helpers import bearer, complete, start, upload

ANSWER_OR_ESCALATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="answer_or_escalate" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer" />
    <bpmn:userTask id="answer" name="答复" />
    <bpmn:boundaryEvent id="late" attachedToRef="answer">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalated" />
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="escalated" />
  </bpmn:process>
</bpmn:definitions>
"""
EVIDENCE = b"%PDF-1.7\n" + bytes(range(256)) * 40


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test's, never migrated."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    assert PG_URL is not None
    base = make_url(PG_URL)
    name = f"{base.database}_restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def restored_app(fresh_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    restored = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
            "FORMS_DIR": str(Path(__file__).resolve().parent / "forms"),
        },
    )
    restored.test_client_class = IsolatedClient
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def _invoke(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _waiting_work(client: FlaskClient) -> dict[str, Any]:
    """Two instances waiting on a user task with a timer, and one evidence file."""
    make_user("owner1", Role.PROCESS_OWNER)
    office_user = make_user("office1", Role.OFFICE_STAFF)
    owner = bearer(client, "owner1")
    assert upload(client, owner, ("answer.bpmn", ANSWER_OR_ESCALATE.encode())).status_code == 201
    office = bearer(client, "office1")
    answered = start(client, office, "answer_or_escalate")
    escalated = start(client, office, "answer_or_escalate")
    evidence = store_evidence(
        db.session,
        actor=Actor(office_user.id, "office1", frozenset({RoleScope(Role.OFFICE_STAFF)})),
        name="整改材料.pdf",
        content=EVIDENCE,
        unit_id=None,
        instance_id=answered["id"],
        now=utcnow(),
    )
    work = {
        "answered": answered["id"],
        "task": answered["tasks"][0]["id"],
        "escalated": escalated["id"],
        "evidence": evidence.id,
    }
    db.session.commit()
    return work


def test_a_restored_backup_resumes_its_instances_with_evidence_and_audit_intact(
    app: Flask, client: FlaskClient, restored_app: Flask, tmp_path: Path
) -> None:
    work = _waiting_work(client)
    archive = tmp_path / "jixiao-backup.tar.gz"
    created = _invoke(app, "backup", "create", str(archive))
    assert created.exit_code == 0, created.output
    assert "1 evidence file(s)" in created.output

    with restored_app.app_context():
        restored = _invoke(restored_app, "backup", "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        client2 = restored_app.test_client()
        office = bearer(client2, "office1")
        assert complete(client2, office, work["task"]).status_code == 200
        # The other instance's timer fell due while the backup sat on the shelf.
        with time_machine.travel(utcnow() + timedelta(hours=2)):
            assert run_tick(db.session, now=utcnow()) >= 1
            run_tick(db.session, now=utcnow())
        db.session.commit()
        for instance_id in (work["answered"], work["escalated"]):
            row = db.session.get(ProcessInstance, instance_id)
            assert row is not None and row.status is InstanceStatus.COMPLETED
        fired = db.session.execute(
            select(InstanceEvent.instance_id).where(InstanceEvent.kind == "timer_fired")
        ).scalars()
        assert list(fired) == [work["escalated"]]

        evidence = db.session.get(EvidenceFile, work["evidence"])
        assert evidence is not None
        restored_uploads = Path(restored_app.config["UPLOAD_DIR"])
        # The archive carries the file as stored (encrypted); read back with the data key, it
        # is the upload byte for byte and matches the SHA-256 on its row.
        assert EVIDENCE not in (restored_uploads / evidence.storage_key).read_bytes()
        plain = read_evidence(restored_uploads, evidence)
        assert hashlib.sha256(plain).hexdigest() == evidence.sha256
        assert plain == EVIDENCE
        db.session.commit()

        verified = _invoke(restored_app, "audit", "verify")
        assert verified.exit_code == 0, verified.output
        assert "Audit chain intact" in verified.output


def test_restore_refuses_a_database_that_is_not_empty(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    _waiting_work(client)
    archive = tmp_path / "backup.tar.gz"
    assert _invoke(app, "backup", "create", str(archive)).exit_code == 0
    refused = _invoke(app, "backup", "restore", str(archive))
    assert refused.exit_code == 1
    assert "The target database is not empty" in refused.output
    assert db.session.scalar(select(ProcessInstance.id).limit(1)) is not None


def test_restore_refuses_an_upload_folder_that_is_not_empty(
    app: Flask, client: FlaskClient, restored_app: Flask, tmp_path: Path
) -> None:
    _waiting_work(client)
    archive = tmp_path / "backup.tar.gz"
    assert _invoke(app, "backup", "create", str(archive)).exit_code == 0
    leftover = Path(restored_app.config["UPLOAD_DIR"]) / "leftover"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"old")
    with restored_app.app_context():
        refused = _invoke(restored_app, "backup", "restore", str(archive))
    assert refused.exit_code == 1
    assert "upload folder" in refused.output and "is not empty" in refused.output


def test_restore_refuses_an_archive_that_does_not_match_its_manifest(
    app: Flask, client: FlaskClient, restored_app: Flask, tmp_path: Path
) -> None:
    _waiting_work(client)
    archive = tmp_path / "backup.tar.gz"
    assert _invoke(app, "backup", "create", str(archive)).exit_code == 0
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(tampered, "w:gz") as target:
        for member in source:
            handle = source.extractfile(member)
            assert handle is not None
            body = handle.read()
            if member.name.startswith("uploads/"):
                body = body[:-1] + b"X"
            member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    with restored_app.app_context():
        refused = _invoke(restored_app, "backup", "restore", str(tampered))
        assert refused.exit_code == 1
        assert "does not match its SHA-256" in refused.output
        assert not (Path(restored_app.config["UPLOAD_DIR"])).exists()


def test_the_manifest_lists_every_file_with_its_sha256(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    _waiting_work(client)
    archive = tmp_path / "backup.tar.gz"
    assert _invoke(app, "backup", "create", str(archive)).exit_code == 0
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = {member.name for member in tar} - {"manifest.json"}
        for entry in manifest["files"]:
            body = tar.extractfile(entry["path"]).read()  # type: ignore[union-attr]
            assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    assert {entry["path"] for entry in manifest["files"]} == names
    assert manifest["database_file"] in names
    assert sum(name.startswith("uploads/") for name in names) == 1
    assert manifest["alembic_revision"]
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds personal data
