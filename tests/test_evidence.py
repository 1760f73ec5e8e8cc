"""Evidence files (SECURITY S14): types by content, zip bombs, names, size."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import Flask

from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.db import utcnow
from app.errors import InvalidInput
from app.evidence.services import (
    MAX_EVIDENCE_BYTES,
    EvidenceTooLarge,
    detect_type,
    safe_display_name,
    store_evidence,
)
from app.extensions import db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
STAFF = Actor(1, "office1", frozenset({RoleScope(Role.OFFICE_STAFF)}))


def _ooxml(part: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, payload)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\x89PNG\r\n\x1a\n....", "png"),
        (b"\xff\xd8\xff\xe0....", "jpg"),
        (_ooxml("word/document.xml", b"<w/>"), "docx"),
        (_ooxml("xl/workbook.xml", b"<x/>"), "xlsx"),
    ],
)
def test_allowed_types_are_recognised_by_content(content: bytes, kind: str) -> None:
    detected = detect_type(content)
    assert detected is not None and detected.extension == kind


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03",  # a Windows program, whatever its name says
        EICAR,  # the antivirus test string
        b"<html><script>alert(1)</script>",
        _ooxml("other/thing.xml", b"<x/>"),  # a zip that is no Office document
    ],
)
def test_other_content_is_refused(content: bytes) -> None:
    assert detect_type(content) is None


def test_a_zip_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(201):  # 201 MB of zeros, a few hundred kB compressed
                part.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024
    assert detect_type(buffer.getvalue()) is None


def test_names_lose_their_paths_and_odd_characters() -> None:
    assert safe_display_name("../../etc/passwd") == "passwd"
    assert safe_display_name("C:\\temp\\报告<1>.pdf") == "报告1.pdf"
    assert safe_display_name("") == "file"


def test_store_refuses_oversize_and_unknown_types(app: Flask) -> None:
    with pytest.raises(EvidenceTooLarge):
        store_evidence(
            db.session,
            actor=STAFF,
            name="big.pdf",
            content=b"%PDF" + b"0" * MAX_EVIDENCE_BYTES,
            unit_id=None,
            instance_id=None,
            now=utcnow(),
        )
    with pytest.raises(InvalidInput):
        store_evidence(
            db.session,
            actor=STAFF,
            name="virus.pdf",
            content=EICAR,
            unit_id=None,
            instance_id=None,
            now=utcnow(),
        )
