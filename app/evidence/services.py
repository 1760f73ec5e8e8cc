"""Storing and serving evidence files: content-checked types, a size cap, random names."""

from __future__ import annotations

import io
import re
import secrets
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import UNIT_ROLES, Permission
from app.auth.services import require
from app.errors import DomainError, HiddenFromActor, InvalidInput, NotFound
from app.evidence.models import EvidenceFile
from app.evidence.storage import open_evidence, storage_root, write_evidence

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_OOXML = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}


class EvidenceTooLarge(DomainError):
    """Over the size cap."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class Detected:
    """A file type recognised from the content."""

    extension: str
    content_type: str


def _detect_zip(content: bytes) -> Detected | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
        unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if unzipped > MAX_UNZIPPED_BYTES or "[Content_Types].xml" not in names:
        return None  # zip bombs and plain archives are refused
    for prefix, (extension, content_type) in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return Detected(extension, content_type)
    return None


def detect_type(content: bytes) -> Detected | None:
    """The allowed type the bytes really are (never trusting the name), or None."""
    if content.startswith(b"%PDF-"):
        return Detected("pdf", "application/pdf")
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return Detected("png", "image/png")
    if content.startswith(b"\xff\xd8\xff"):
        return Detected("jpg", "image/jpeg")
    if content.startswith(b"PK\x03\x04"):
        return _detect_zip(content)
    return None


def safe_display_name(name: str) -> str:
    """The file's own name without any path, control characters or odd punctuation."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[\x00-\x1f<>:\"|?*]", "", base).strip(" .")
    return cleaned[:200] or "file"


def store_evidence(
    session: Session,
    *,
    actor: Actor,
    name: str,
    content: bytes,
    unit_id: int | None,
    instance_id: int | None,
    now: datetime,
) -> EvidenceFile:
    """Check and keep an uploaded file; the type is judged by its content, not its name."""
    require(actor, Permission.BUSINESS)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise EvidenceTooLarge(
            _("The file is larger than %(n)d MB.", n=MAX_EVIDENCE_BYTES // (1024 * 1024))
        )
    detected = detect_type(content)
    if detected is None:
        message = _("Only PDF, PNG, JPEG and Word/Excel/PowerPoint (OOXML) files are accepted.")
        raise InvalidInput(message, details=[{"path": "file", "message": message}])
    storage_key = secrets.token_hex(32)
    sealed = write_evidence(storage_root(), storage_key, content)
    evidence = EvidenceFile(
        id=str(uuid.uuid4()),
        storage_key=storage_key,
        original_name=safe_display_name(name),
        content_type=detected.content_type,
        size=sealed.size,
        sha256=sealed.sha256,
        unit_id=unit_id,
        instance_id=instance_id,
        uploaded_by_id=actor.user_id,
        uploaded_at=now,
    )
    session.add(evidence)
    record(
        session,
        actor=actor,
        action="evidence.upload",
        object_type="evidence",
        object_id=evidence.id,
        after={"name": evidence.original_name, "sha256": evidence.sha256, "size": evidence.size},
        now=now,
    )
    return evidence


def _works_on_instance(session: Session, actor: Actor, instance_id: int) -> bool:
    """Whether the actor may work an open task of the instance or has completed one of it:
    whoever is asked to decide on a request reads the documents it came with."""
    from app.workflow.models import HumanTask, HumanTaskState  # noqa: PLC0415
    from app.workflow.tasks.assignment import can_work  # noqa: PLC0415

    if actor.user_id is None:
        return False
    tasks = session.execute(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            or_(
                HumanTask.state == HumanTaskState.READY,
                HumanTask.completed_by_id == actor.user_id,
            ),
        )
    ).scalars()
    return any(
        task.completed_by_id == actor.user_id
        or (task.state is HumanTaskState.READY and can_work(actor, task))
        for task in tasks
    )


def _may_read(session: Session, actor: Actor, evidence: EvidenceFile) -> bool:
    from app.workflow.tasks.assignment import OVERSEERS  # noqa: PLC0415

    return (
        evidence.uploaded_by_id == actor.user_id
        or bool(actor.roles & OVERSEERS)
        or (evidence.unit_id is not None and evidence.unit_id in actor.unit_ids_for(*UNIT_ROLES))
        or (
            evidence.instance_id is not None
            and _works_on_instance(session, actor, evidence.instance_id)
        )
    )


def readable_evidence(session: Session, actor: Actor, evidence_id: str) -> EvidenceFile:
    """The file's row, if the actor may read it; NotFound otherwise. Readers: the
    uploader, the office and supervisors, the unit's own staff and head, and whoever works or
    worked a task of the instance the file belongs to."""
    require(actor, Permission.BUSINESS)
    try:
        uuid.UUID(evidence_id)
    except ValueError:
        raise NotFound(_("No such file.")) from None
    evidence = session.get(EvidenceFile, evidence_id)
    if evidence is None:
        raise NotFound(_("No such file."))
    if not _may_read(session, actor, evidence):
        raise HiddenFromActor(_("No such file."))
    return evidence


def download_evidence(
    session: Session, *, actor: Actor, evidence_id: str, now: datetime
) -> tuple[EvidenceFile, BinaryIO]:
    """The file to send to a reader (see `readable_evidence`) and its plaintext as a stream,
    checked against its record first (EvidenceDamaged if it fails); the download audited."""
    evidence = readable_evidence(session, actor, evidence_id)
    stream = open_evidence(storage_root(), evidence)
    record(
        session,
        actor=actor,
        action="evidence.download",
        object_type="evidence",
        object_id=evidence.id,
        after={"sha256": evidence.sha256},
        now=now,
    )
    return evidence, stream


def evidence_names(session: Session, evidence_ids: Iterable[str]) -> dict[str, str]:
    """The shown names of the files with these ids (ids that name no file are left out)."""
    wanted = set()
    for evidence_id in evidence_ids:
        try:
            wanted.add(str(uuid.UUID(evidence_id)))
        except (ValueError, TypeError, AttributeError):
            continue
    if not wanted:
        return {}
    rows = session.execute(
        select(EvidenceFile.id, EvidenceFile.original_name).where(EvidenceFile.id.in_(wanted))
    )
    return {evidence_id: name for evidence_id, name in rows}
