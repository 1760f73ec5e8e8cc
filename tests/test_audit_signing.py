"""Signed daily heads of the audit chain, retention by signed archive, and coverage of the
security events (SECURITY.md S17/S18)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEntry, AuditHead, SignedHead
from app.audit.services import record, verify_chain
from app.audit.signing import (
    ArchiveRefused,
    archive_entries,
    check_signed_heads,
    sign_head,
    verify_archive_file,
)
from app.auth.mfa import (
    check_second_factor,
    confirm_enrolment,
    reset_mfa,
    start_enrolment,
    time_step,
    totp,
)
from app.auth.models import ApiToken, MfaCredential
from app.auth.roles import Role
from app.auth.services import (
    actor_for,
    authenticate,
    change_password,
    create_user,
    grant_role,
    reset_password,
    revoke_role,
    set_user_active,
    unlock_user,
)
from app.auth.tokens import issue_api_token, revoke_api_token
from app.errors import AuthenticationFailed
from app.extensions import db
from app.workflow.timers.scheduler import run_tick
from tests.factories import PASSWORD, SYSTEM, make_user, sign_in

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen(app: Flask) -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _write(count: int, at: datetime = NOW) -> None:
    for number in range(count):
        record(
            db.session,
            actor=SYSTEM,
            action="test.event",
            object_type="thing",
            object_id=number,
            after={"n": number},
            now=at,
        )
    db.session.commit()


def _as_dba(*statements: str) -> None:
    """Run statements as a database administrator could, past the append-only guard."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


def _truncate_tail_carefully(keep: int) -> None:
    """Cut the chain after `keep` and move the head there too, so the chain alone looks whole."""
    kept_hash = db.session.execute(
        select(AuditEntry.hash).where(AuditEntry.seq == keep)
    ).scalar_one()
    db.session.commit()
    _as_dba(
        f"DELETE FROM audit_entries WHERE seq > {keep}",
        f"UPDATE audit_head SET last_seq = {keep}, last_hash = '{kept_hash}' WHERE id = 1",
    )
    db.session.expire_all()


def test_a_signed_head_detects_a_truncated_tail_the_chain_alone_misses(
    app: Flask, runner: object
) -> None:
    _write(30)
    signed = sign_head(db.session, now=NOW)
    db.session.commit()
    assert (signed.last_seq, signed.day) == (30, date(2026, 12, 4))
    _write(5)
    assert check_signed_heads(db.session, now=NOW) is None
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0

    _truncate_tail_carefully(20)
    assert verify_chain(db.session).ok  # the hash chain by itself cannot tell
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and problem.head_id == signed.id
    assert "cut off" in problem.reason
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "signed at 30" in result.output


def test_a_removed_or_forged_head_is_detected(app: Flask) -> None:
    heads = []
    for day in range(3):
        at = NOW - timedelta(days=2 - day)
        _write(2, at)
        heads.append(sign_head(db.session, now=at))
        db.session.commit()
    assert check_signed_heads(db.session, now=NOW) is None
    db.session.execute(
        text("UPDATE audit_signed_heads SET last_seq = 1 WHERE id = :id"), {"id": heads[2].id}
    )
    db.session.commit()
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and problem.reason == "signature does not match"

    db.session.execute(text("DELETE FROM audit_signed_heads WHERE id = :id"), {"id": heads[1].id})
    db.session.commit()
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and problem.head_id == heads[2].id
    assert "removed" in problem.reason


def test_dropping_the_latest_heads_shows_as_a_gap(app: Flask) -> None:
    _write(2, NOW - timedelta(days=3))
    sign_head(db.session, now=NOW - timedelta(days=3))
    db.session.commit()
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and "no head was signed after 2026-12-01" in problem.reason


def test_another_key_does_not_verify(app: Flask) -> None:
    _write(3)
    sign_head(db.session, now=NOW)
    db.session.commit()
    app.config["AUDIT_KEY"] = "a-different-key"
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and "another key" in problem.reason


def test_the_scheduler_tick_signs_one_head_a_day(app: Flask) -> None:
    _write(3)
    run_tick(db.session, now=NOW)
    run_tick(db.session, now=NOW + timedelta(hours=3))
    db.session.commit()
    days = list(db.session.execute(select(SignedHead.day, SignedHead.last_seq)).all())
    assert days == [(date(2026, 12, 4), 3)]
    run_tick(db.session, now=NOW + timedelta(days=1))
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(SignedHead)).scalar() == 2
    assert check_signed_heads(db.session, now=NOW + timedelta(days=1)) is None


def test_sign_head_from_the_command_line_and_without_a_key(app: Flask) -> None:
    _write(4)
    result = app.test_cli_runner().invoke(args=["audit", "sign-head"])
    assert result.exit_code == 0, result.output
    assert "entry 4" in result.output
    app.config["AUDIT_KEY"] = ""
    failed = app.test_cli_runner().invoke(args=["audit", "sign-head"])
    assert failed.exit_code == 1 and "JIXIAO_AUDIT_KEY" in failed.output


def _archive_setup() -> None:
    _write(1, NOW - timedelta(days=181))
    _write(1, NOW - timedelta(days=179))
    _write(1, NOW)


def test_only_entries_older_than_180_days_are_archived(app: Flask, tmp_path: Path) -> None:
    _archive_setup()
    sign_head(db.session, now=NOW)
    db.session.commit()
    target = tmp_path / "audit-2026.json"
    too_late = date(2026, 6, 8)  # 179 days ago
    with pytest.raises(ArchiveRefused, match="2026-06-07 at the latest"):
        archive_entries(db.session, actor=SYSTEM, before=too_late, target=target, now=NOW)
    assert not target.exists()

    result = app.test_cli_runner().invoke(
        args=["audit", "archive", "--before", "2026-06-07", "--to", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "entries 1–1" in result.output
    db.session.expire_all()
    remaining = list(db.session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars())
    assert remaining[0] == 2  # the 179-day-old entry stays
    assert verify_archive_file(target) is None
    document = json.loads(target.read_text())
    assert [e["seq"] for e in document["archive"]["entries"]] == [1]
    assert verify_chain(db.session).ok
    assert check_signed_heads(db.session, now=NOW) is None
    (logged,) = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "audit.archive")
    ).scalars()
    assert logged.after["last_seq"] == 1

    # Nothing more is old enough, and the file is never overwritten.
    again = app.test_cli_runner().invoke(
        args=["audit", "archive", "--before", "2026-06-07", "--to", str(tmp_path / "b.json")]
    )
    assert again.exit_code == 1 and "no entries older" in again.output
    twice = app.test_cli_runner().invoke(
        args=["audit", "archive", "--before", "2026-06-07", "--to", str(target)]
    )
    assert twice.exit_code == 1 and "never overwritten" in twice.output


def test_an_unarchived_entry_cannot_be_deleted(app: Flask, tmp_path: Path) -> None:
    _archive_setup()
    archive_entries(
        db.session, actor=SYSTEM, before=date(2026, 6, 7), target=tmp_path / "a.json", now=NOW
    )
    db.session.commit()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar() == 3


def test_a_tampered_archive_or_archive_record_is_detected(app: Flask, tmp_path: Path) -> None:
    _archive_setup()
    target = tmp_path / "a.json"
    archive = archive_entries(
        db.session, actor=SYSTEM, before=date(2026, 6, 7), target=target, now=NOW
    )
    db.session.commit()
    document = json.loads(target.read_text())
    document["archive"]["entries"][0]["actor_name"] = "someone else"
    target.write_text(json.dumps(document))
    assert verify_archive_file(target) == "the archive's signature does not match"

    db.session.execute(
        text("UPDATE audit_archives SET last_seq = 2 WHERE id = :id"), {"id": archive.id}
    )
    db.session.commit()
    problem = check_signed_heads(db.session, now=NOW)
    assert problem is not None and "archive record" in problem.reason


def _new_entries(since: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)
        ).scalars()
    )


def _last_seq() -> int:
    head = db.session.get(AuditHead, 1)
    return head.last_seq if head else 0


def test_each_security_event_is_recorded_once_with_all_its_fields(  # noqa: C901 - one step each
    app: Flask,
) -> None:
    """audit.archive is checked in test_only_entries_older_than_180_days_are_archived."""
    admin = make_user("root", Role.SYSADMIN)
    security = make_user("guard", Role.SECADMIN)
    admin_actor, security_actor = actor_for(admin, "10.0.0.1"), actor_for(security, "10.0.0.2")
    state: dict[str, object] = {}

    def create() -> None:
        state["user"] = create_user(
            db.session,
            actor=admin_actor,
            username="alice",
            display_name="Alice",
            password=PASSWORD,
            now=NOW,
        )

    def user():  # type: ignore[no-untyped-def]
        return state["user"]

    def grant() -> None:
        state["grant"] = grant_role(
            db.session,
            actor=security_actor,
            user=user(),
            role=Role.OFFICE_STAFF,
            unit=None,
            now=NOW,
        )

    def sign_in() -> None:
        authenticate(db.session, "alice", PASSWORD, now=NOW, client_addr="10.0.0.3")

    def sign_in_failed() -> None:
        with pytest.raises(AuthenticationFailed):
            authenticate(db.session, "alice", "Wrong-pass-123", now=NOW, client_addr="10.0.0.3")

    def password_change() -> None:
        change_password(
            db.session,
            actor=actor_for(user(), "10.0.0.3"),
            user=user(),
            current_password=PASSWORD,
            new_password="Another-Pass-93",
            now=NOW,
        )

    def password_reset() -> None:
        reset_password(
            db.session,
            actor=admin_actor,
            user=user(),
            temporary_password="Temporary-Pass-77",
            now=NOW,
        )

    def enrol() -> None:
        credential = start_enrolment(db.session, user=user(), now=NOW)
        confirm_enrolment(
            db.session,
            user=user(),
            code=totp(credential.secret, time_step(NOW)),
            now=NOW,
            client_addr="10.0.0.3",
        )

    def mfa_failed() -> None:
        with pytest.raises(AuthenticationFailed):
            check_second_factor(
                db.session, user=user(), code="12345", now=NOW, client_addr="10.0.0.3"
            )

    def mfa_ok() -> None:
        later = NOW + timedelta(seconds=30)
        stored = db.session.get(MfaCredential, user().id)
        assert stored is not None
        check_second_factor(
            db.session,
            user=user(),
            code=totp(stored.secret, time_step(later)),
            now=later,
            client_addr="10.0.0.3",
        )

    def token_issue() -> None:
        issue_api_token(db.session, user=user(), now=NOW, client_addr="10.0.0.3")

    def token_revoke() -> None:
        token_id = db.session.execute(select(ApiToken.id)).scalars().first()
        revoke_api_token(db.session, actor=security_actor, token_id=token_id, now=NOW)

    def deactivate() -> None:
        set_user_active(db.session, actor=admin_actor, user=user(), active=False, now=NOW)

    def unlock() -> None:
        unlock_user(db.session, actor=admin_actor, user=user(), now=NOW)

    def revoke() -> None:
        revoke_role(db.session, actor=security_actor, grant=state["grant"], now=NOW)  # type: ignore[arg-type]

    def mfa_reset() -> None:
        reset_mfa(db.session, actor=security_actor, user=user(), now=NOW)

    def head() -> None:
        sign_head(db.session, now=NOW, actor=admin_actor)

    steps = [
        ("user.create", create, "10.0.0.1", None, True),
        ("role.grant", grant, "10.0.0.2", None, True),
        ("auth.sign_in", sign_in, "10.0.0.3", None, None),
        ("auth.sign_in_failed", sign_in_failed, "10.0.0.3", None, True),
        ("user.password_change", password_change, "10.0.0.3", None, None),
        ("user.password_reset", password_reset, "10.0.0.1", None, True),
        ("mfa.enrol", enrol, "10.0.0.3", None, True),
        ("mfa.verify_failed", mfa_failed, "10.0.0.3", None, True),
        ("mfa.verify", mfa_ok, "10.0.0.3", None, True),
        ("token.issue", token_issue, "10.0.0.3", None, None),
        ("token.revoke", token_revoke, "10.0.0.2", None, None),
        ("user.set_active", deactivate, "10.0.0.1", True, True),
        ("user.unlock", unlock, "10.0.0.1", True, True),
        ("role.revoke", revoke, "10.0.0.2", True, None),
        ("mfa.reset", mfa_reset, "10.0.0.2", True, True),
        ("audit.sign_head", head, "10.0.0.1", None, True),
    ]
    for action, step, addr, has_before, has_after in steps:
        since = _last_seq()
        step()
        db.session.commit()
        entries = [e for e in _new_entries(since) if e.action != "test.event"]
        assert [e.action for e in entries] == [action], action
        (entry,) = entries
        assert entry.occurred_at is not None and entry.actor_name, action
        assert entry.object_type and entry.object_id, action
        assert entry.client_addr == addr, action
        assert (entry.before is not None) == bool(has_before), action
        assert (entry.after is not None) == bool(has_after), action


def test_the_auditor_sees_whether_the_signed_heads_hold(app: Flask) -> None:
    make_user("auditor1", Role.AUDITOR)
    _write(10)
    sign_head(db.session, now=NOW)
    db.session.commit()
    client = app.test_client()
    sign_in(client, "auditor1")
    page = client.get("/audit/?verify=1").get_data(as_text=True)
    assert "每日签名链头校验通过。" in page

    _truncate_tail_carefully(5)
    page = client.get("/audit/?verify=1").get_data(as_text=True)
    assert "2026-12-04 签名的链头校验未通过：审计链已到不了签名时的记录：链尾被截断。" in page

    app.config["AUDIT_KEY"] = ""
    page = client.get("/audit/?verify=1").get_data(as_text=True)
    assert "未配置审计密钥，无法校验已签名链头" in page
