"""Re-encrypting the encrypted columns under the current data key (`flask crypto rotate`), and
the batch rewrite the migration that introduced encryption shares.

Rows are read and written with plain SQL (not through the column type), one batch at a time in
primary-key order; each write is guarded by the value read, so a row the application changed
meanwhile is left as the application wrote it (already under the current key). While a rotation
runs, every listed key still decrypts, so nothing becomes unreadable half-way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, Connection, column, select, table, update
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.crypto.keys import Keyring
from app.crypto.stored import is_encrypted, key_id_of, seal, unseal

DEFAULT_BATCH = 500
PLAINTEXT = "plaintext"


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of EncryptedText, with the single-column primary key that pages through it."""

    table: str
    key: str
    column: str

    @property
    def purpose(self) -> str:
        """The name bound into each value (the column type's `purpose`)."""
        return f"{self.table}.{self.column}"


# Every EncryptedText column; tests/test_data_encryption.py keeps this list complete.
ENCRYPTED_COLUMNS = (
    EncryptedColumn("daily_ratings", "id", "contact"),
    EncryptedColumn("mfa_credentials", "user_id", "secret"),
)

# A stored value in, its replacement out, or None to leave it.
Conversion = Callable[[str], str | None]


def to_current_key(keyring: Keyring, purpose: str) -> Conversion:
    """Values under an older key, or in plaintext, re-encrypted under the current key."""

    def convert(value: str) -> str | None:
        if not is_encrypted(value):
            return seal(value, keyring, purpose)
        if key_id_of(value) == keyring.current:
            return None
        return seal(unseal(value, keyring, purpose), keyring, purpose)

    return convert


def to_plaintext(keyring: Keyring, purpose: str) -> Conversion:
    """Encrypted values decrypted (the migration's downgrade)."""

    def convert(value: str) -> str | None:
        return unseal(value, keyring, purpose) if is_encrypted(value) else None

    return convert


@dataclass
class BatchResult:
    """One batch: the last key seen (None when the column is done) and what changed."""

    last_key: object | None
    rows: int = 0
    changed: Counter[str] = field(default_factory=Counter)  # by former key id, or PLAINTEXT
    skipped: int = 0  # changed by the application between the read and the write


def rewrite_batch(
    connection: Connection,
    target: EncryptedColumn,
    convert: Conversion,
    *,
    after: object | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> BatchResult:
    """Convert the non-empty values of up to `batch_size` rows after primary key `after`."""
    key: ColumnClause[Any] = column(target.key)
    value: ColumnClause[str] = column(target.column)
    rows_table = table(target.table, key, value)
    query = select(key, value).where(value.is_not(None), value != "")
    if after is not None:
        query = query.where(key > after)
    rows = connection.execute(query.order_by(key).limit(batch_size)).all()
    result = BatchResult(last_key=rows[-1][0] if len(rows) == batch_size else None, rows=len(rows))
    for row_key, stored in rows:
        replacement = convert(stored)
        if replacement is None or replacement == stored:
            continue
        written = connection.execute(
            update(rows_table)
            .where(key == row_key, value == stored)
            .values({target.column: replacement})
        )
        if written.rowcount == 1:
            result.changed[key_id_of(stored) if is_encrypted(stored) else PLAINTEXT] += 1
        else:
            result.skipped += 1
    return result


def rotate_batch(
    session: Session,
    target: EncryptedColumn,
    keyring: Keyring,
    *,
    actor: Actor,
    now: datetime,
    after: object | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> BatchResult:
    """Re-encrypt one batch of `target` under the current key; audited when anything changed.
    Flushes; the caller commits each batch."""
    result = rewrite_batch(
        session.connection(),
        target,
        to_current_key(keyring, target.purpose),
        after=after,
        batch_size=batch_size,
    )
    if result.changed:
        record(
            session,
            actor=actor,
            action="crypto.rotate",
            object_type="encrypted_column",
            object_id=target.purpose,
            after={
                "key_id": keyring.current,
                "re_encrypted": dict(sorted(result.changed.items())),
                "rows_checked": result.rows,
            },
            now=now,
        )
    return result
