"""The evidence store's clean-up (SECURITY S22): what an upload leaves behind when it does not end
as a stored evidence row.

Two things can be left: `<key>.part`, the file being written when the process died mid-upload,
and a whole file whose row never committed (the request failed or rolled back after the file
was written, or the process died between the two). Both hold an uploader's document, encrypted,
that nothing will ever read or delete. The sweep removes them once they are older than a grace
period, so that an upload still in progress (its file written, its row not yet committed) is
never taken. A file with a row is never touched, whatever its age.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.evidence.models import EvidenceFile

GRACE = timedelta(hours=1)
PARTIAL_SUFFIX = ".part"
ROWS_PER_QUERY = 500


@dataclass
class SweepResult:
    """What one sweep removed, by storage name, and how many stored files it checked."""

    checked: int = 0
    partial: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        """Files removed."""
        return len(self.partial) + len(self.orphaned)


def _older_files(root: Path, cutoff: float) -> Iterator[os.DirEntry[str]]:
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                yield entry


def _keys_with_rows(session: Session, names: list[str]) -> set[str]:
    found: set[str] = set()
    for first in range(0, len(names), ROWS_PER_QUERY):
        chunk = names[first : first + ROWS_PER_QUERY]
        found.update(
            session.execute(
                select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(chunk))
            ).scalars()
        )
    return found


def sweep_evidence_store(
    session: Session, root: Path, *, now: datetime, actor: Actor, grace: timedelta = GRACE
) -> SweepResult:
    """Remove the partial files and the files without an evidence row last written before
    `now - grace`; audited when anything was removed (the caller commits)."""
    result = SweepResult()
    if not root.is_dir():
        return result
    cutoff = (now.astimezone(UTC) - grace).timestamp()
    stored: list[str] = []
    for entry in _older_files(root, cutoff):
        if entry.name.endswith(PARTIAL_SUFFIX):
            Path(entry.path).unlink(missing_ok=True)
            result.partial.append(entry.name)
        else:
            stored.append(entry.name)
    result.checked = len(stored)
    with_rows = _keys_with_rows(session, stored)
    for name in stored:
        if name not in with_rows:
            (root / name).unlink(missing_ok=True)
            result.orphaned.append(name)
    if result.removed:
        record(
            session,
            actor=actor,
            action="evidence.sweep",
            object_type="evidence_store",
            object_id="evidence",
            after={
                "partial_removed": sorted(result.partial),
                "orphans_removed": sorted(result.orphaned),
                "grace_seconds": int(grace.total_seconds()),
            },
            now=now,
        )
    return result
