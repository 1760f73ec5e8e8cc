"""The hash-chained, append-only audit trail (issue 2 §5, SECURITY S17)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit.services import record, verify_chain
from app.db import utcnow
from app.extensions import db
from tests.factories import SYSTEM


def _write_entries(count: int) -> None:
    for number in range(count):
        record(
            db.session,
            actor=SYSTEM,
            action="test.event",
            object_type="thing",
            object_id=number,
            before={"n": number},
            after={"n": number + 1},
            now=utcnow(),
        )
    db.session.commit()


def _as_dba(statement: str) -> None:
    """Run `statement` the way a database administrator could, bypassing the append-only guard."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        conn.execute(text(statement))


def test_an_intact_chain_verifies(app: Flask) -> None:
    _write_entries(30)
    report = verify_chain(db.session)
    assert report.ok and report.checked == 30


def test_an_edited_row_is_named(app: Flask) -> None:
    _write_entries(30)
    _as_dba("UPDATE audit_entries SET actor_name = 'someone else' WHERE seq = 17")
    report = verify_chain(db.session)
    assert report.first_bad_seq == 17


def test_a_deleted_row_is_named(app: Flask) -> None:
    _write_entries(30)
    _as_dba("DELETE FROM audit_entries WHERE seq = 12")
    assert verify_chain(db.session).first_bad_seq == 12


def test_a_cut_off_tail_is_detected(app: Flask) -> None:
    _write_entries(30)
    _as_dba("DELETE FROM audit_entries WHERE seq > 25")
    assert verify_chain(db.session).first_bad_seq == 26


def test_a_rehashed_forgery_breaks_the_next_link(app: Flask) -> None:
    _write_entries(10)
    _as_dba("UPDATE audit_entries SET hash = '" + "f" * 64 + "' WHERE seq = 4")
    assert verify_chain(db.session).first_bad_seq == 4


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entries SET action = 'x'", "DELETE FROM audit_entries"]
)
def test_the_application_cannot_update_or_delete_entries(app: Flask, statement: str) -> None:
    _write_entries(3)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert verify_chain(db.session).checked == 3


def test_a_rolled_back_change_leaves_no_entry_and_no_gap(app: Flask) -> None:
    _write_entries(2)
    record(db.session, actor=SYSTEM, action="test.lost", object_type="thing")
    db.session.rollback()
    _write_entries(2)
    report = verify_chain(db.session)
    assert report.ok and report.checked == 4


def test_entries_keep_who_what_and_before_after(app: Flask) -> None:
    from decimal import Decimal

    from sqlalchemy import select

    from app.audit.models import AuditEntry
    from app.auth.actor import Actor

    actor = Actor(7, "office1", client_addr="10.1.2.3")
    record(
        db.session,
        actor=actor,
        action="score.change",
        object_type="score",
        object_id="FGW",
        before={"t": Decimal("91.385")},
        after={"t": Decimal("91.39")},
    )
    db.session.commit()
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert (entry.actor_id, entry.actor_name, entry.client_addr) == (7, "office1", "10.1.2.3")
    assert entry.before == {"t": "91.385"} and entry.after == {"t": "91.39"}
    assert entry.occurred_at.tzinfo is not None
    assert verify_chain(db.session).ok


def test_cli_verify_exits_non_zero_on_a_broken_chain(app: Flask) -> None:
    _write_entries(5)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _as_dba("UPDATE audit_entries SET after = NULL WHERE seq = 3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "3" in result.output
