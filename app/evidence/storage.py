"""The evidence store on disk: each file SM4-GCM encrypted under the current data key, named by
its random storage key and bound to it (app/crypto/files.py has the format).

A file from before encryption (no header) still reads, and `flask crypto rotate` encrypts it.
The SHA-256 and size on the file's row stay those of the plaintext: a reader checks them before
anything is sent, so a file changed on disk is refused rather than served.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.crypto.files import (
    ChunkReader,
    Sealed,
    plaintext_chunks,
    read_header,
    write_sealed,
)
from app.crypto.keys import Keyring, current_keyring
from app.crypto.rotation import PLAINTEXT
from app.crypto.stored import EncryptedValueError, TamperedValue
from app.errors import DomainError
from app.evidence.models import EvidenceFile

DEFAULT_BATCH = 100


class EvidenceDamaged(DomainError):
    """The stored file does not match its record (changed on disk, or under an unknown key)."""

    status = 409
    code = "evidence_damaged"


def storage_root() -> Path:
    """The upload folder, created on first use."""
    root = Path(current_app.config["UPLOAD_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def purpose_of(storage_key: str) -> str:
    """What each file's chunks are bound to: its storage key."""
    return f"evidence:{storage_key}"


def write_evidence(root: Path, storage_key: str, content: bytes) -> Sealed:
    """Store `content` encrypted under the current data key as `root/storage_key`."""
    return write_sealed(
        root / storage_key, io.BytesIO(content), current_keyring(), purpose_of(storage_key)
    )


def _check(handle: BinaryIO, evidence: EvidenceFile, keyring: Keyring) -> None:
    """Read the whole file once (chunk by chunk) and compare it with its record."""
    digest, size = hashlib.sha256(), 0
    for chunk in plaintext_chunks(handle, keyring, purpose_of(evidence.storage_key)):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != evidence.sha256 or size != evidence.size:
        raise TamperedValue(f"evidence {evidence.id}: the file's SHA-256 is not its record's")


def open_evidence(root: Path, evidence: EvidenceFile) -> BinaryIO:
    """The file's plaintext as a stream, after a first pass has checked every chunk's tag and the
    SHA-256 against the row; EvidenceDamaged (logged) when the check fails. Memory stays at a
    chunk whatever the file's size."""
    keyring = current_keyring()
    path = root / evidence.storage_key
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        current_app.logger.error("evidence %s: %s is missing", evidence.id, path)
        raise EvidenceDamaged(_("The stored file is missing. Tell the administrator.")) from None
    try:
        _check(handle, evidence, keyring)
        handle.seek(0)
        # The same open file serves the second pass: a rotation replacing the file meanwhile
        # renames a new one over the name, and this handle keeps reading the one just checked.
        return io.BufferedReader(
            ChunkReader(plaintext_chunks(handle, keyring, purpose_of(evidence.storage_key)), handle)
        )
    except EncryptedValueError as error:
        handle.close()
        current_app.logger.error("evidence %s refused: %s", evidence.id, error)
        raise EvidenceDamaged(
            _(
                "The stored file failed its integrity check and is not sent: it was changed "
                "after it was uploaded, or the data key it was stored with is not configured. "
                "Tell the administrator."
            )
        ) from None


def read_evidence(root: Path, evidence: EvidenceFile) -> bytes:
    """The whole plaintext, checked (for small files, tests and tools)."""
    with open_evidence(root, evidence) as stream:
        return stream.read()


@dataclass
class FileBatch:
    """One batch of the evidence rotation: the last id seen (None when done) and what changed."""

    last_id: str | None
    files: int = 0
    changed: Counter[str] = field(default_factory=Counter)  # by former key id, or PLAINTEXT
    missing: list[str] = field(default_factory=list)
    error: str | None = None  # the file that stopped the rotation, and why


def _rotate_file(root: Path, evidence: EvidenceFile, keyring: Keyring) -> str | None:
    """Re-encrypt one file under the current key: the former key id (or PLAINTEXT), None when it
    is already current. The new file replaces the old one only once every chunk of the old one
    authenticated and the plaintext matched the row's SHA-256."""
    path, purpose = root / evidence.storage_key, purpose_of(evidence.storage_key)
    with path.open("rb") as handle:
        header = read_header(handle, purpose)
        if header is not None and header.key_id == keyring.current:
            return None
        handle.seek(0)
        source = io.BufferedReader(ChunkReader(plaintext_chunks(handle, keyring, purpose)))
        write_sealed(path, source, keyring, purpose, expect_sha256=evidence.sha256)
    return header.key_id if header is not None else PLAINTEXT


def rotate_evidence_batch(
    session: Session,
    root: Path,
    keyring: Keyring,
    *,
    actor: Actor,
    now: datetime,
    after: str | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> FileBatch:
    """Encrypt (plaintext) or re-encrypt (older key) the files of up to `batch_size` evidence
    rows after id `after`, audited when anything changed; the caller commits each batch, also
    one that stopped at a file that cannot be read (`error`). Running it again changes nothing;
    a crash leaves every file whole, under one key or the other."""
    query = select(EvidenceFile).order_by(EvidenceFile.id).limit(batch_size)
    if after is not None:
        query = query.where(EvidenceFile.id > after)
    rows = list(session.execute(query).scalars())
    result = FileBatch(last_id=rows[-1].id if len(rows) == batch_size else None, files=len(rows))
    for evidence in rows:
        if not (root / evidence.storage_key).is_file():
            result.missing.append(evidence.id)
            continue
        try:
            former = _rotate_file(root, evidence, keyring)
        except EncryptedValueError as error:
            # Files already rewritten stay rewritten (disk has no rollback): audit them, stop.
            result.error, result.last_id = f"evidence {evidence.id}: {error}", None
            break
        if former is not None:
            result.changed[former] += 1
    if result.changed or result.missing or result.error:
        record(
            session,
            actor=actor,
            action="crypto.rotate",
            object_type="evidence_store",
            object_id="evidence",
            after={
                "key_id": keyring.current,
                "re_encrypted": dict(sorted(result.changed.items())),
                "files_checked": result.files,
                "missing": result.missing,
                **({"stopped_at": result.error} if result.error else {}),
            },
            now=now,
        )
    return result
