"""The evidence store at rest (SECURITY.md S19): every uploaded file is SM4-GCM encrypted with a
key id, so a dump of the upload folder holds no plaintext; downloads give the upload back byte
for byte, streamed; a plaintext file from before encryption still reads; a changed, truncated,
swapped or unknown-key file is refused with a message, never served and never a 500;
`flask crypto rotate` encrypts and re-encrypts the files, audited, batch by batch, idempotent,
each file replaced whole."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.actor import Actor, RoleScope
from app.auth.roles import Role
from app.crypto.files import CHUNK_SIZE, MAGIC, read_header, seal_stream
from app.crypto.keys import current_keyring, parse_data_keys
from app.crypto.sm4 import gcm_encrypt
from app.db import utcnow
from app.evidence.models import EvidenceFile
from app.evidence.services import store_evidence
from app.evidence.storage import open_evidence, purpose_of, read_evidence
from app.extensions import db
from tests.factories import make_user, sign_in

K1 = "k1:" + "11" * 16
K2 = "k2:" + "22" * 16
ID_NUMBER = "360102199001011234"
MOBILE = "13812341234"
# A report naming a person, and a multi-chunk scan with the same text inside.
REPORT = f"%PDF-1.7\n姓名 张三 身份证号 {ID_NUMBER} 手机 {MOBILE}\n".encode()
SCAN = b"\x89PNG\r\n\x1a\n" + (REPORT + os.urandom(1000)) * 3000  # about 3.2 MB, 50 chunks


@pytest.fixture
def keyed_app(app: Flask) -> Iterator[Flask]:
    app.config["DATA_KEYS"] = K1
    yield app


@pytest.fixture
def office() -> Actor:
    user = make_user("office1", Role.OFFICE_STAFF)
    return Actor(user.id, "office1", frozenset({RoleScope(Role.OFFICE_STAFF)}))


def _upload(actor: Actor, content: bytes, name: str = "报告.pdf") -> EvidenceFile:
    evidence = store_evidence(
        db.session,
        actor=actor,
        name=name,
        content=content,
        unit_id=None,
        instance_id=None,
        now=utcnow(),
    )
    db.session.commit()
    return evidence


def _uploads(app: Flask) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def _plaintext_file(app: Flask, actor: Actor, content: bytes) -> EvidenceFile:
    """A file as the store kept it before encryption: the bytes as uploaded."""
    storage_key = secrets.token_hex(32)
    _uploads(app).mkdir(parents=True, exist_ok=True)
    (_uploads(app) / storage_key).write_bytes(content)
    evidence = EvidenceFile(
        id=str(uuid.uuid4()),
        storage_key=storage_key,
        original_name="旧材料.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    db.session.add(evidence)
    db.session.commit()
    return evidence


def _key_ids(app: Flask) -> dict[str, str | None]:
    found = {}
    for path in _uploads(app).iterdir():
        with path.open("rb") as handle:
            header = read_header(handle, path.name)
        found[path.name] = header.key_id if header else None
    return found


def test_the_evidence_store_holds_no_plaintext_and_downloads_give_the_upload_back(
    keyed_app: Flask, client: FlaskClient, office: Actor
) -> None:
    report, scan = _upload(office, REPORT), _upload(office, SCAN, "扫描件.png")
    assert report.sha256 == hashlib.sha256(REPORT).hexdigest()  # the row keeps the plaintext's
    assert scan.size == len(SCAN)

    dump = {path.name: path.read_bytes() for path in _uploads(keyed_app).iterdir()}
    assert set(dump) == {report.storage_key, scan.storage_key}  # no .part left behind
    for stored in dump.values():
        assert stored.startswith(MAGIC + b"\x01\x02k1")  # format 1, key id k1
        for needle in (ID_NUMBER, MOBILE, "身份证号", "张三"):
            assert needle.encode() not in stored
            assert needle.encode("utf-16-le") not in stored
        # whole signatures: a 3-byte b"PNG" turns up by chance in 3 MB of ciphertext (~1 in 5)
        assert b"%PDF-1.7\n" not in stored and b"\x89PNG\r\n\x1a\n" not in stored
    assert len(dump[scan.storage_key]) < len(SCAN) + 1024  # 16 bytes a 64 KiB chunk

    sign_in(client, "office1")
    for evidence, content in ((report, REPORT), (scan, SCAN)):
        download = client.get(f"/evidence/{evidence.id}")
        assert download.status_code == 200
        assert download.data == content
        assert download.headers["Content-Length"] == str(len(content))
        assert download.headers["Content-Disposition"].startswith("attachment")


def test_the_files_are_standard_sm4_gcm_bound_to_their_header_and_name(keyed_app: Flask) -> None:
    """The first chunk is SM4-GCM as RFC 8998 defines it (the pure-Python SM4, checked against
    the RFC's vector, computes the same bytes as OpenSSL), with the header and name as its
    associated data; `dev` keys and 64 KiB chunks are the defaults."""
    keyring = parse_data_keys(K1)
    sealed = io.BytesIO()
    seal_stream(io.BytesIO(REPORT), sealed, keyring, "evidence:abc")
    sealed.seek(0)
    header = read_header(sealed, "x")
    assert header is not None and header.key_id == "k1" and header.chunk_size == CHUNK_SIZE
    nonce = header.prefix + (0).to_bytes(4, "big") + b"\x01"  # chunk 0, the last one
    expected = gcm_encrypt(keyring.keys["k1"], nonce, REPORT, header.raw + b"evidence:abc")
    assert sealed.read() == expected


def test_a_plaintext_file_from_before_encryption_still_reads(
    keyed_app: Flask, client: FlaskClient, office: Actor
) -> None:
    old = _plaintext_file(keyed_app, office, REPORT)
    assert _key_ids(keyed_app) == {old.storage_key: None}
    sign_in(client, "office1")
    download = client.get(f"/evidence/{old.id}")
    assert download.status_code == 200 and download.data == REPORT


def _damage(path: Path, how: str, other: Path) -> None:
    stored = bytearray(path.read_bytes())
    if how == "flipped byte":
        stored[len(stored) // 2] ^= 0x01
    elif how == "last chunk cut off":
        stored = stored[: len(stored) - (len(SCAN) % CHUNK_SIZE) - 16]
    elif how == "key id changed":
        stored[6:8] = b"k2"
    elif how == "copied from another file":
        stored = bytearray(other.read_bytes())
    path.write_bytes(bytes(stored))


@pytest.mark.parametrize(
    "how", ["flipped byte", "last chunk cut off", "key id changed", "copied from another file"]
)
def test_a_damaged_file_is_refused_with_a_message_not_served(
    keyed_app: Flask, client: FlaskClient, office: Actor, how: str
) -> None:
    keyed_app.config["DATA_KEYS"] = f"{K1},{K2}"
    scan, other = _upload(office, SCAN, "扫描件.png"), _upload(office, REPORT)
    root = _uploads(keyed_app)
    _damage(root / scan.storage_key, how, root / other.storage_key)
    sign_in(client, "office1")
    refused = client.get(f"/evidence/{scan.id}")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "存储的文件未通过完整性校验，不予下载" in page
    assert b"PNG" not in refused.data
    api = client.get(f"/evidence/{scan.id}", headers={"Accept": "application/json"})
    assert api.status_code == 409
    downloads = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "evidence.download")
    ).all()
    assert downloads == []  # nothing was sent


def test_a_changed_plaintext_file_and_an_unknown_key_are_refused(
    keyed_app: Flask, client: FlaskClient, office: Actor
) -> None:
    old = _plaintext_file(keyed_app, office, REPORT)
    (_uploads(keyed_app) / old.storage_key).write_bytes(REPORT.replace(b"3", b"4"))
    new = _upload(office, REPORT)
    keyed_app.config["DATA_KEYS"] = K2  # k1 dropped before a rotation
    sign_in(client, "office1")
    assert client.get(f"/evidence/{old.id}").status_code == 409
    assert client.get(f"/evidence/{new.id}").status_code == 409


def test_a_download_streams_in_chunks(keyed_app: Flask, office: Actor) -> None:
    """Checking and reading a 12 MB file holds a few chunks in memory, not the file."""
    big = b"%PDF-1.7\n" + os.urandom(12 * 1024 * 1024)
    evidence = _upload(office, big)
    del big
    tracemalloc.start()
    try:
        digest = hashlib.sha256()
        with open_evidence(_uploads(keyed_app), evidence) as stream:
            while piece := stream.read(64 * 1024):
                digest.update(piece)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == evidence.sha256
    assert peak < 1024 * 1024, peak


def test_rotation_encrypts_old_files_and_moves_every_file_to_the_new_key(
    keyed_app: Flask, office: Actor
) -> None:
    runner = keyed_app.test_cli_runner()
    old = _plaintext_file(keyed_app, office, REPORT)
    scan = _upload(office, SCAN, "扫描件.png")
    report = _upload(office, REPORT)
    stale = _uploads(keyed_app) / (report.storage_key + ".part")  # from a crash
    stale.write_bytes(b"half a file")

    keyed_app.config["DATA_KEYS"] = f"{K2},{K1}"
    result = runner.invoke(args=["crypto", "rotate", "--file-batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert (
        "evidence files: 3 files checked, 3 re-encrypted (2 from key k1, 1 from plaintext)"
        in result.output
    )
    assert set(_key_ids(keyed_app).values()) == {"k2"}  # the stale .part is gone too
    audited = db.session.execute(
        select(AuditEntry)
        .where(AuditEntry.action == "crypto.rotate", AuditEntry.object_type == "evidence_store")
        .order_by(AuditEntry.seq)
    ).scalars()
    changes = [(e.after["files_checked"], e.after["key_id"]) for e in audited]
    assert changes == [(2, "k2"), (1, "k2")]  # one entry a batch

    again = runner.invoke(args=["crypto", "rotate"])
    assert "evidence files: 3 files checked, 0 re-encrypted" in again.output
    keyed_app.config["DATA_KEYS"] = K2  # the old key can go now
    root = _uploads(keyed_app)
    assert [read_evidence(root, e) for e in (old, scan, report)] == [REPORT, SCAN, REPORT]


def test_rotation_stops_at_a_damaged_file_naming_it_and_leaves_it_as_it_was(
    keyed_app: Flask, office: Actor
) -> None:
    files = sorted((_upload(office, REPORT) for _ in range(3)), key=lambda e: e.id)
    damaged = _uploads(keyed_app) / files[1].storage_key
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\0")
    before = damaged.read_bytes()

    keyed_app.config["DATA_KEYS"] = f"{K2},{K1}"
    result = keyed_app.test_cli_runner().invoke(args=["crypto", "rotate"])
    assert result.exit_code == 1
    assert f"evidence {files[1].id}: evidence:{files[1].storage_key}" in result.output
    assert damaged.read_bytes() == before
    assert _key_ids(keyed_app) == {
        files[0].storage_key: "k2",  # rotated before the damaged one, and audited
        files[1].storage_key: "k1",
        files[2].storage_key: "k1",
    }
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.object_type == "evidence_store")
    ).scalar_one()
    assert entry.after["re_encrypted"] == {"k1": 1} and files[1].id in entry.after["stopped_at"]


def test_a_crash_while_rewriting_leaves_the_old_file_whole(
    keyed_app: Flask, office: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = _upload(office, SCAN, "扫描件.png")
    path = _uploads(keyed_app) / scan.storage_key
    before = path.read_bytes()

    class Crash(BaseException):
        """The process stopping between writing the new file and renaming it."""

    def crash(*_args: object) -> None:
        raise Crash

    keyed_app.config["DATA_KEYS"] = f"{K2},{K1}"
    monkeypatch.setattr("app.crypto.files.os.replace", crash)
    with pytest.raises(Crash):
        keyed_app.test_cli_runner().invoke(args=["crypto", "rotate"], catch_exceptions=False)
    assert path.read_bytes() == before
    assert sorted(p.name for p in _uploads(keyed_app).iterdir()) == [scan.storage_key]
    assert read_evidence(_uploads(keyed_app), scan) == SCAN
    assert purpose_of(scan.storage_key) == f"evidence:{scan.storage_key}"
    assert current_keyring().current == "k2"
