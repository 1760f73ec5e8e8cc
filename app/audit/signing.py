"""Signed daily heads of the audit chain and the archive of old entries (S17/S18).

The key (HMAC-SHA256; `cryptography` is not installed, so no Ed25519) comes from JIXIAO_AUDIT_KEY
or the file JIXIAO_AUDIT_KEY_FILE, never from the database: someone who can rewrite the database
cannot sign a shorter chain. Each head's signature covers the previous head's, so dropping heads
breaks the run of signatures, and `audit verify` checks that the chain still reaches every head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.audit.models import GENESIS_HASH, AuditArchive, AuditEntry, AuditHead, SignedHead
from app.audit.services import entry_hash, record
from app.auth.actor import Actor
from app.calendar.workdays import local_date

log = logging.getLogger(__name__)

_HEAD_ID = 1
ARCHIVE_FORMAT = "jixiao-audit-archive/1"


class SigningKeyMissing(RuntimeError):
    """Neither JIXIAO_AUDIT_KEY nor a readable JIXIAO_AUDIT_KEY_FILE is configured."""


class ArchiveRefused(ValueError):
    """An archive request that would break the retention rule or lose entries."""


def signing_key() -> bytes:
    """The audit key; in development a random one is made in instance/ on first use."""
    config = current_app.config
    if config.get("AUDIT_KEY"):
        return str(config["AUDIT_KEY"]).encode()
    path_name = config.get("AUDIT_KEY_FILE") or ""
    if not path_name:
        raise SigningKeyMissing("set JIXIAO_AUDIT_KEY or JIXIAO_AUDIT_KEY_FILE")
    path = Path(path_name)
    if not path.exists() and config.get("ENV_NAME") == "development":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    try:
        return path.read_text().strip().encode()
    except OSError as error:
        raise SigningKeyMissing(f"cannot read the audit key file {path}: {error}") from None


def key_id(key: bytes) -> str:
    """A short public name for the key, so a rotated key is recognised."""
    return hashlib.sha256(b"jixiao-audit-key-id\n" + key).hexdigest()[:16]


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _head_text(head: SignedHead) -> str:
    return "|".join(
        ("head", head.day.isoformat(), str(head.last_seq), head.last_hash, head.prev_signature)
    )


def sign_head(session: Session, *, now: datetime, actor: Actor | None = None) -> SignedHead:
    """Sign the chain's current head (as of the last commit) for today's date."""
    key = signing_key()
    # The lock orders concurrent signers (two scheduler processes), so each links to the last.
    head = session.get(AuditHead, _HEAD_ID, with_for_update=True)
    previous = session.execute(
        select(SignedHead).order_by(SignedHead.id.desc()).limit(1)
    ).scalar_one_or_none()
    signed = SignedHead(
        day=local_date(now),
        last_seq=head.last_seq if head else 0,
        last_hash=head.last_hash if head else GENESIS_HASH,
        prev_signature=previous.signature if previous else GENESIS_HASH,
        key_id=key_id(key),
        signed_at=now,
    )
    signed.signature = _mac(key, _head_text(signed))
    session.add(signed)
    session.flush()
    record(
        session,
        actor=actor or Actor.system("audit"),
        action="audit.sign_head",
        object_type="audit_head",
        object_id=signed.id,
        after={"day": signed.day, "last_seq": signed.last_seq, "key_id": signed.key_id},
        now=now,
    )
    return signed


def sign_daily_head(session: Session, *, now: datetime) -> SignedHead | None:
    """The scheduler's once-a-day signature: none if today's head is signed or no key is set
    (then a warning, since the tail of the chain goes unprotected)."""
    today = local_date(now)
    session.get(AuditHead, _HEAD_ID, with_for_update=True)
    if session.execute(select(SignedHead.id).where(SignedHead.day == today).limit(1)).first():
        return None
    try:
        return sign_head(session, now=now)
    except SigningKeyMissing as missing:
        log.warning("audit head not signed: %s", missing)
        return None


@dataclass(frozen=True)
class HeadProblem:
    """The first signed head (or archive record, head_id 0) that does not hold; `kind` names the
    problem for pages (presentation.HEAD_PROBLEM_LABELS), `reason` explains it on the console."""

    head_id: int
    reason: str
    kind: str
    day: date | None = None


def check_signed_heads(session: Session, *, now: datetime) -> HeadProblem | None:
    """Check the archive records and every signed head: its signature and link, and that the
    chain still holds the entry it names with the same hash (a truncated or rewritten tail
    fails here), and that heads continue up to yesterday."""
    key = signing_key()
    for archive in session.execute(select(AuditArchive).order_by(AuditArchive.id)).scalars():
        if not hmac.compare_digest(_mac(key, _archive_text(archive)), archive.signature):
            return HeadProblem(
                0, f"archive record {archive.id} is not signed with the audit key", "archive"
            )
    prev_signature = GENESIS_HASH
    latest: SignedHead | None = None
    for signed in session.execute(select(SignedHead).order_by(SignedHead.id)).scalars():
        problem = _head_problem(session, key, signed, prev_signature)
        if problem is not None:
            kind, reason = problem
            return HeadProblem(signed.id, reason, kind, signed.day)
        prev_signature, latest = signed.signature, signed
    if latest is not None and latest.day < local_date(now) - timedelta(days=1):
        return HeadProblem(
            latest.id,
            f"no head was signed after {latest.day}: later heads were removed "
            "or the scheduler has not run",
            "stale",
            latest.day,
        )
    return None


def _head_problem(
    session: Session, key: bytes, signed: SignedHead, prev_signature: str
) -> tuple[str, str] | None:
    if signed.key_id != key_id(key):
        return "other_key", f"signed with another key ({signed.key_id})"
    if signed.prev_signature != prev_signature:
        return "head_removed", "a signed head before it was removed"
    if not hmac.compare_digest(_mac(key, _head_text(signed)), signed.signature):
        return "bad_signature", "signature does not match"
    head_row = session.get(AuditHead, _HEAD_ID)
    chain_end = head_row.last_seq if head_row else 0
    if signed.last_seq > chain_end:
        return "tail_cut", (
            f"the chain ends at {chain_end} but was signed at {signed.last_seq} "
            f"on {signed.day}: its tail was cut off"
        )
    if signed.last_seq > latest_archive_seq(session) and signed.last_seq > 0:
        entry_hash = session.execute(
            select(AuditEntry.hash).where(AuditEntry.seq == signed.last_seq)
        ).scalar_one_or_none()
        if entry_hash != signed.last_hash:
            return "entry_differs", f"entry {signed.last_seq} differs from its signing"
    return None


def latest_archive_seq(session: Session) -> int:
    """The last sequence number moved to an archive file (0 if none)."""
    last = session.execute(select(func.max(AuditArchive.last_seq))).scalar()
    return int(last or 0)


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "client_addr": entry.client_addr,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def archive_entries(
    session: Session, *, actor: Actor, before: date, target: Path, now: datetime
) -> AuditArchive:
    """Write every entry older than `before` (a run from the chain's start) to a signed file at
    `target`, then delete them from the database. `before` may be no later than the retention
    period (180 days) ago; the database refuses to delete an entry no archive row covers."""
    retention: timedelta = current_app.config["AUDIT_RETENTION"]
    latest_allowed = local_date(now - retention)
    if before > latest_allowed:
        raise ArchiveRefused(
            f"only entries older than {retention.days} days can be archived: "
            f"--before may be {latest_allowed.isoformat()} at the latest"
        )
    if target.exists():
        raise ArchiveRefused(f"{target} exists; an archive is never overwritten")
    cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC) - timedelta(hours=8)
    start = latest_archive_seq(session) + 1
    entries = _archivable_run(session, start, cutoff)
    if not entries:
        raise ArchiveRefused(f"no entries older than {before.isoformat()} are left to archive")
    key = signing_key()
    body = {
        "format": ARCHIVE_FORMAT,
        "before": before.isoformat(),
        "first_seq": entries[0].seq,
        "last_seq": entries[-1].seq,
        "first_prev_hash": entries[0].prev_hash,
        "last_hash": entries[-1].hash,
        "key_id": key_id(key),
        "entries": [_entry_json(entry) for entry in entries],
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    signature = _mac(key, canonical)
    payload = json.dumps({"signature": signature, "archive": body}, ensure_ascii=False, indent=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as handle:  # never overwrite
        handle.write(payload)
    if verify_archive_file(target, key) is not None:  # read back before deleting anything
        raise ArchiveRefused(f"{target} did not read back intact; nothing was deleted")
    archive = AuditArchive(
        first_seq=entries[0].seq,
        last_seq=entries[-1].seq,
        last_hash=entries[-1].hash,
        file_name=target.name,
        file_sha256=hashlib.sha256(payload.encode()).hexdigest(),
        before=cutoff,
        archived_at=now,
        key_id=key_id(key),
    )
    archive.signature = _mac(key, _archive_text(archive))
    session.add(archive)
    session.flush()  # the database lets the delete through only once this row exists
    session.execute(delete(AuditEntry).where(AuditEntry.seq <= archive.last_seq))
    record(
        session,
        actor=actor,
        action="audit.archive",
        object_type="audit_archive",
        object_id=archive.id,
        after={
            "first_seq": archive.first_seq,
            "last_seq": archive.last_seq,
            "file": archive.file_name,
            "sha256": archive.file_sha256,
        },
        now=now,
    )
    return archive


def _archive_text(archive: AuditArchive) -> str:
    return "|".join(
        (
            "archive",
            str(archive.first_seq),
            str(archive.last_seq),
            archive.last_hash,
            archive.file_sha256,
            archive.key_id,
        )
    )


def _archivable_run(session: Session, start: int, cutoff: datetime) -> list[AuditEntry]:
    """The entries from `start` on, up to the first one not older than `cutoff`."""
    run: list[AuditEntry] = []
    rows = session.execute(
        select(AuditEntry).where(AuditEntry.seq >= start).order_by(AuditEntry.seq)
    ).scalars()
    for entry in rows:
        if entry.occurred_at >= cutoff:
            break
        run.append(entry)
    return run


def verify_archive_file(path: Path, key: bytes | None = None) -> str | None:
    """None if the file's signature and its inner hash chain hold, else what is wrong."""
    key = key or signing_key()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        body, signature = document["archive"], document["signature"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return f"unreadable archive: {error}"
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if not hmac.compare_digest(_mac(key, canonical), str(signature)):
        return "the archive's signature does not match"
    prev_hash = body["first_prev_hash"]
    for item in body["entries"]:
        fields = {k: v for k, v in item.items() if k not in ("prev_hash", "hash")}
        fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
        if item["prev_hash"] != prev_hash or entry_hash(prev_hash, fields) != item["hash"]:
            return f"entry {item['seq']} in the archive does not match its hash"
        prev_hash = item["hash"]
    return None
