"""What failed uploads leave in the evidence store is removed by the sweep (SECURITY.md S22): the
partial file of a process killed mid-upload, and the whole file of an upload whose row never
committed; never a file with a row, and never one written within the grace period."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.db import utcnow
from app.evidence.models import EvidenceFile
from app.evidence.services import store_evidence
from app.evidence.storage import read_evidence
from app.evidence.sweep import GRACE, sweep_evidence_store
from app.extensions import db
from app.workflow.timers import ticker
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent
KEYS = "k1:" + "11" * 16
REPORT = "%PDF-1.7\n姓名 张三 手机 13812341234\n".encode()
LATER = GRACE + timedelta(minutes=1)


@pytest.fixture
def office(app: Flask) -> Actor:
    app.config["DATA_KEYS"] = KEYS
    user = make_user("office1", Role.OFFICE_STAFF)
    return Actor(user.id, "office1", frozenset({RoleScope(Role.OFFICE_STAFF)}))


def _uploads(app: Flask) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def _store(actor: Actor, *, commit: bool) -> EvidenceFile:
    evidence = store_evidence(
        db.session,
        actor=actor,
        name="报告.pdf",
        content=REPORT,
        unit_id=None,
        instance_id=None,
        now=utcnow(),
    )
    if commit:
        db.session.commit()
    else:
        db.session.rollback()  # the request failed after the file was written
    return evidence


def _written(path: Path, ago: timedelta = timedelta(0)) -> None:
    """Date the file on the clock the sweep is given (the test's, which may be moved), rather
    than the wall clock the file system used."""
    moment = (utcnow() - ago).timestamp()
    os.utime(path, (moment, moment))


def _sweep(app: Flask, *, after: timedelta) -> tuple[list[str], list[str]]:
    result = sweep_evidence_store(
        db.session, _uploads(app), now=utcnow() + after, actor=Actor.system("test")
    )
    db.session.commit()
    return result.partial, result.orphaned


def test_a_rolled_back_upload_is_removed_after_the_grace_period(app: Flask, office: Actor) -> None:
    kept = _store(office, commit=True)
    lost = _store(office, commit=False)
    assert db.session.get(EvidenceFile, lost.id) is None
    names = sorted(p.name for p in _uploads(app).iterdir())
    assert names == sorted([kept.storage_key, lost.storage_key])
    for path in _uploads(app).iterdir():
        _written(path)

    assert _sweep(app, after=timedelta(0)) == ([], [])  # may still be committing
    assert _sweep(app, after=LATER) == ([], [lost.storage_key])
    assert [p.name for p in _uploads(app).iterdir()] == [kept.storage_key]
    assert read_evidence(_uploads(app), kept) == REPORT
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "evidence.sweep")
    ).scalar_one()
    assert entry.after["orphans_removed"] == [lost.storage_key]
    assert _sweep(app, after=LATER) == ([], [])  # nothing more, and nothing more audited
    assert db.session.execute(
        select(AuditEntry.seq).where(AuditEntry.action == "evidence.sweep")
    ).all() == [(entry.seq,)]


def test_a_file_with_a_row_is_never_removed_however_old(app: Flask, office: Actor) -> None:
    kept = _store(office, commit=True)
    _written(_uploads(app) / kept.storage_key, ago=timedelta(days=365))
    assert _sweep(app, after=LATER) == ([], [])
    assert read_evidence(_uploads(app), kept) == REPORT


KILLED_UPLOAD = textwrap.dedent(
    """
    import io, sys, time
    from pathlib import Path
    from app.crypto.files import write_sealed
    from app.crypto.keys import parse_data_keys

    class SlowUpload(io.RawIOBase):
        # a large upload arriving slowly: the process is killed while it is being written
        def readable(self):
            return True
        def readinto(self, buffer):
            time.sleep(0.05)
            buffer[: len(buffer)] = b"x" * len(buffer)
            return len(buffer)

    keyring = parse_data_keys(sys.argv[2])
    write_sealed(Path(sys.argv[1]), io.BufferedReader(SlowUpload()), keyring, "evidence:x")
    """
)


def test_a_process_killed_mid_upload_leaves_a_partial_file_the_sweep_removes(
    app: Flask, office: Actor
) -> None:
    kept = _store(office, commit=True)
    key = "ab" * 32
    partial = _uploads(app) / f"{key}.part"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_UPLOAD, str(_uploads(app) / key), KEYS], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 30
        while not (partial.exists() and partial.stat().st_size > 0):
            assert writer.poll() is None, "the writer stopped before it wrote anything"
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    assert partial.exists() and not (_uploads(app) / key).exists()
    _written(partial)
    _written(_uploads(app) / kept.storage_key)

    assert _sweep(app, after=timedelta(0)) == ([], [])
    assert _sweep(app, after=LATER) == ([partial.name], [])
    assert [p.name for p in _uploads(app).iterdir()] == [kept.storage_key]


def test_the_command_sweeps_with_its_grace_period(app: Flask, office: Actor) -> None:
    lost = _store(office, commit=False)
    _written(_uploads(app) / lost.storage_key, ago=timedelta(minutes=30))
    runner = app.test_cli_runner()
    kept_back = runner.invoke(args=["evidence", "sweep"])
    assert kept_back.exit_code == 0, kept_back.output
    assert "removed 0 partial and 0 without a record" in kept_back.output
    swept = runner.invoke(args=["evidence", "sweep", "--grace-minutes", "20"])
    assert swept.exit_code == 0, swept.output
    assert "removed 0 partial and 1 without a record" in swept.output
    assert list(_uploads(app).iterdir()) == []
    refused = runner.invoke(args=["evidence", "sweep", "--grace-minutes", "1"])
    assert refused.exit_code == 2  # a grace shorter than an upload may take is refused


def test_the_scheduler_sweeps_every_hour(app: Flask, office: Actor) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    ticker._add_job(scheduler, app)
    job = scheduler.get_job("jixiao-evidence-sweep")
    assert job is not None and job.trigger.interval == timedelta(hours=1)

    lost = _store(office, commit=False)
    _written(_uploads(app) / lost.storage_key, ago=timedelta(hours=2))
    job.func(*job.args)
    assert list(_uploads(app).iterdir()) == []
