"""The hash-chained, append-only audit trail (issue 2 §5, SECURITY S17)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit import services as audit_services
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


def _seen_head() -> tuple[int, str] | None:
    return audit_services._HEADS_SEEN.get(str(db.engine.url))


def test_an_append_after_another_process_moved_the_head_takes_the_lock_and_chains(
    app: Flask,
) -> None:
    _write_entries(3)
    seen = _seen_head()
    assert seen is not None and seen[0] == 3
    _write_entries(2)
    # Now this process believes the head is where it was three entries ago, as if another
    # process had appended since: the guarded update finds no row, the entries go in under
    # the lock, and nothing half-written is left behind.
    audit_services._HEADS_SEEN[str(db.engine.url)] = seen
    _write_entries(4)
    report = verify_chain(db.session)
    assert report.ok and report.checked == 9
    assert _seen_head() is not None and _seen_head()[0] == 9  # type: ignore[index]


def test_a_guess_that_was_rolled_back_costs_nothing_but_the_lock(app: Flask) -> None:
    _write_entries(2)
    record(db.session, actor=SYSTEM, action="test.event", object_type="thing", now=utcnow())
    db.session.flush()
    audit_services._append_pending(db.session)  # chained, then the transaction is abandoned
    db.session.rollback()
    assert _seen_head() is not None and _seen_head()[0] == 3  # type: ignore[index]
    _write_entries(2)
    report = verify_chain(db.session)
    assert report.ok and report.checked == 4


def test_processes_appending_at_once_keep_one_unbroken_chain(app: Flask) -> None:
    writers, commits = 4, 15
    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                for commit in range(commits):
                    if commit % 3 == number % 3:
                        audit_services._HEADS_SEEN.pop(str(db.engine.url), None)
                    _write_entries(1 + commit % 2)
            except BaseException as error:
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    expected = writers * sum(1 + commit % 2 for commit in range(commits))
    report = verify_chain(db.session)
    assert report.ok and report.checked == expected
