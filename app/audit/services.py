"""Writing and verifying the audit trail.

Services call `record()`; the entries wait in the session until it commits, then
`_append_pending` chains them under a lock on the head row, inside the same transaction as the
change they describe. A rollback discards them with the change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, event, exists, insert, select, update
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditArchive, AuditEntry, AuditHead
from app.auth.actor import Actor
from app.db import utcnow
from app.db_batch import WriteBatch

_PENDING_KEY = "audit_pending"
_HEAD_ID = 1


def _json_safe(value: Any) -> Any:
    """Plain JSON types only, so the hash survives a round trip through the database."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_encode_extra, ensure_ascii=False))


def _encode_extra(value: Any) -> str:
    if isinstance(value, Decimal | datetime):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return str(value)


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object = None,
    before: Any = None,
    after: Any = None,
    now: datetime | None = None,
) -> None:
    """Queue one audit entry; it is written when, and only if, the session commits."""
    entry = {
        "occurred_at": (now or utcnow()).astimezone(UTC),
        "actor_id": actor.user_id,
        "actor_name": actor.name,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "before": _json_safe(before),
        "after": _json_safe(after),
        "client_addr": actor.client_addr,
    }
    session.connection()  # begin the transaction now, so a rollback is sure to discard the entry
    session.info.setdefault(_PENDING_KEY, []).append(entry)


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    canonical = dict(fields)
    canonical["occurred_at"] = (
        fields["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    )
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


_ENTRIES = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)

# This runs on every commit that records something: Core statements built once, executed on the
# session's connection (no ORM entities, cache keys computed once).
_SELECT_HEAD_FOR_UPDATE = (
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == _HEAD_ID).with_for_update()
)
_INSERT_HEAD = insert(_HEAD).values(id=_HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == _HEAD_ID)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)
_MOVE_HEAD_FROM = _MOVE_HEAD.where(
    _HEAD.c.last_seq == bindparam("seen_seq"), _HEAD.c.last_hash == bindparam("seen_hash")
)
_INSERT_ENTRIES = insert(_ENTRIES)
# An entry goes in only where the head now ends with this transaction's last entry: after a
# `_MOVE_HEAD_FROM` that found the head moved on, nothing is inserted (and nothing fails, which
# on PostgreSQL would abort the transaction).
_INSERT_ENTRIES_IF_HEAD_MOVED = _INSERT_ENTRIES.from_select(
    [column.name for column in _ENTRIES.columns],
    select(*(bindparam(column.name, type_=column.type) for column in _ENTRIES.columns)).where(
        exists().where(
            _HEAD.c.id == _HEAD_ID,
            _HEAD.c.last_seq == bindparam("new_seq"),
            _HEAD.c.last_hash == bindparam("new_hash"),
        )
    ),
)

# The head this process last wrote, per database. A guess: if another process (or a rollback)
# moved the head since, the guarded update finds no row and the append takes the lock instead.
_HEADS_SEEN: dict[str, tuple[int, str]] = {}


class _HeadMoved(Exception):
    """The audit head is not where this process last saw it."""


def _locked_head(connection: Connection) -> tuple[int, str]:
    row = connection.execute(_SELECT_HEAD_FOR_UPDATE).first()
    if row is None:
        connection.execute(_INSERT_HEAD)
        return 0, GENESIS_HASH
    return int(row[0]), str(row[1])


def _chained(
    pending: list[dict[str, Any]], last_seq: int, last_hash: str
) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    rows = []
    for fields in pending:
        last_seq += 1
        chained = {"seq": last_seq, **fields}
        digest = entry_hash(last_hash, chained)
        rows.append({**chained, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    return rows, (last_seq, last_hash)


def _append_after_seen_head(
    session: Session, pending: list[dict[str, Any]], seen: tuple[int, str], writes: WriteBatch
) -> tuple[int, str]:
    """Move the head from where it was last seen and insert the entries, sent after `writes` in
    one round trip; `_HeadMoved` if the head was not there (then no entry was written)."""
    rows, head = _chained(pending, *seen)
    moved = {"new_seq": head[0], "new_hash": head[1]}
    writes.add(
        _MOVE_HEAD_FROM,
        {**moved, "seen_seq": seen[0], "seen_hash": seen[1]},
        if_not_one=_HeadMoved,
    )
    writes.add(_INSERT_ENTRIES_IF_HEAD_MOVED, [{**row, **moved} for row in rows])
    writes.send(session)
    return head


def _append_under_lock(
    session: Session, pending: list[dict[str, Any]], writes: WriteBatch
) -> tuple[int, str]:
    rows, head = _chained(pending, *_locked_head(session.connection()))
    writes.add(_INSERT_ENTRIES, rows)
    writes.add(_MOVE_HEAD, {"new_seq": head[0], "new_hash": head[1]})
    writes.send(session)
    return head


def _append_pending(session: Session) -> None:
    """Chain the session's entries onto the head, in one round trip. The head row is locked
    either way: by the guarded update when the head is where this process
    left it (one wait for the database), else by SELECT … FOR UPDATE."""
    pending: list[dict[str, Any]] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    writes = WriteBatch()
    database = str(session.get_bind().engine.url)
    seen = _HEADS_SEEN.get(database)
    head = None
    if seen is not None:
        try:
            head = _append_after_seen_head(session, pending, seen, writes)
        except _HeadMoved:
            head = None  # the writes before the guarded update went in; the entries did not
    if head is None:
        head = _append_under_lock(session, pending, writes)
    _HEADS_SEEN[database] = head


def _discard_pending(session: Session, *_args: object) -> None:
    session.info.pop(_PENDING_KEY, None)


def install_session_hooks() -> None:
    """Chain queued entries on every commit; drop them on rollback. Safe to call twice."""
    if not event.contains(Session, "before_commit", _append_pending):
        event.listen(Session, "before_commit", _append_pending)
        event.listen(Session, "after_rollback", _discard_pending)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify_chain`: how far it got and the first broken entry, if any."""

    checked: int
    first_bad_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        """True when every entry and the head agree."""
        return self.first_bad_seq is None


def _entry_fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "client_addr": entry.client_addr,
    }


def _first_break(
    entries: Iterable[AuditEntry], start_seq: int, start_hash: str
) -> tuple[int, int | None, str | None, str]:
    expected_seq, prev_hash, checked = start_seq, start_hash, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return checked, expected_seq, f"entry {expected_seq} is missing", prev_hash
        if entry.prev_hash != prev_hash:
            return checked, entry.seq, "link to the previous entry is broken", prev_hash
        if entry_hash(prev_hash, _entry_fields(entry)) != entry.hash:
            return checked, entry.seq, "content does not match its hash", prev_hash
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return checked, None, None, prev_hash


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain (from the end of the last archive); name the first entry that was
    edited, removed or cut off. The signed heads are checked by `signing.check_signed_heads`."""
    archive = session.execute(
        select(AuditArchive).order_by(AuditArchive.last_seq.desc()).limit(1)
    ).scalar_one_or_none()
    start_seq, start_hash = (
        (archive.last_seq + 1, archive.last_hash) if archive else (1, GENESIS_HASH)
    )
    rows = session.execute(
        select(AuditEntry)
        .where(AuditEntry.seq >= start_seq)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=2000)
    ).scalars()
    checked, bad_seq, reason, last_hash = _first_break(rows, start_seq, start_hash)
    if bad_seq is not None:
        return ChainReport(checked, bad_seq, reason)
    last_seq = start_seq - 1 + checked
    head = session.get(AuditHead, _HEAD_ID)
    head_seq = head.last_seq if head else 0
    if head_seq != last_seq or (head is not None and head.last_hash != last_hash):
        return ChainReport(checked, last_seq + 1, f"entries after {last_seq} were removed")
    return ChainReport(checked, None, None)
