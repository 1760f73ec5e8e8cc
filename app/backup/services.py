"""One archive holds the database, the evidence files and a manifest of their SHA-256 sums.

PostgreSQL is dumped with `pg_dump --format=custom` and restored with `pg_restore`; SQLite is
copied with its online backup API. A restore only ever goes into an empty database and an empty
upload folder, and only after every file in the archive matched its manifest entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
UPLOADS_PREFIX = "uploads/"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot go ahead; the message says why."""


@dataclass(frozen=True)
class ManifestEntry:
    """One file of the archive: its name inside it, its SHA-256 and its size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a restore checks before it writes anything."""

    dialect: str
    revision: str | None
    database_file: str
    files: list[ManifestEntry]


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds."""

    dialect: str
    revision: str | None
    evidence_files: int
    total_bytes: int


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(
    archive: Path, *, engine: Engine, upload_dir: Path, now: datetime
) -> BackupSummary:
    """Dump the database, then gather the evidence files, into one tar.gz with their manifest."""
    dialect = _supported_dialect(engine)
    if archive.exists():
        raise BackupError(f"{archive} already exists; choose a new file name.")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jixiao-backup-") as workdir:
        dump = Path(workdir) / DATABASE_FILES[dialect]
        # The database first: every evidence file it names was written before its row committed.
        if dialect == "postgresql":
            _pg_dump(engine.url, dump)
        else:
            _sqlite_copy(_sqlite_path(engine.url), dump)
        entries = {DATABASE_FILES[dialect]: dump}
        entries.update(_evidence_files(upload_dir))
        files = [
            ManifestEntry(name, file_sha256(path), path.stat().st_size)
            for name, path in sorted(entries.items())
        ]
        revision = _revision(engine)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "dialect": dialect,
            "alembic_revision": revision,
            "database_file": DATABASE_FILES[dialect],
            "files": [asdict(entry) for entry in files],
        }
        _write_archive(archive, manifest, entries, now=now)
    return BackupSummary(
        dialect=dialect,
        revision=revision,
        evidence_files=len(entries) - 1,
        total_bytes=sum(entry.size for entry in files),
    )


def _write_archive(
    archive: Path, manifest: dict[str, object], entries: dict[str, Path], *, now: datetime
) -> None:
    """The manifest first, then the files; readable by the owner only (it holds personal data)."""
    partial = archive.with_name(archive.name + ".part")
    partial.touch(mode=0o600)
    with tarfile.open(partial, "w:gz") as tar:
        body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(body)
        info.mtime = int(now.timestamp())
        tar.addfile(info, io.BytesIO(body))
        for name, path in sorted(entries.items()):
            tar.add(path, arcname=name, recursive=False)
    os.replace(partial, archive)


def restore_backup(archive: Path, *, engine: Engine, upload_dir: Path) -> BackupSummary:
    """Check the archive against its manifest, then fill an empty database and upload folder."""
    dialect = _supported_dialect(engine)
    _refuse_non_empty(engine, upload_dir)
    with tempfile.TemporaryDirectory(prefix="jixiao-restore-") as workdir:
        manifest = _extract_verified(archive, Path(workdir))
        if manifest.dialect != dialect:
            raise BackupError(
                f"The archive holds a {manifest.dialect} database; the target is {dialect}."
            )
        dump = Path(workdir) / manifest.database_file
        engine.dispose()
        if dialect == "postgresql":
            _pg_restore(engine.url, dump)
        else:
            _sqlite_copy(dump, _sqlite_path(engine.url))
        upload_dir.mkdir(parents=True, exist_ok=True)
        count = 0
        for entry in manifest.files:
            name = entry.path
            if name.startswith(UPLOADS_PREFIX):
                target = upload_dir / name.removeprefix(UPLOADS_PREFIX)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(workdir) / name, target)
                count += 1
    return BackupSummary(
        dialect=dialect,
        revision=manifest.revision,
        evidence_files=count,
        total_bytes=sum(entry.size for entry in manifest.files),
    )


def _supported_dialect(engine: Engine) -> str:
    dialect = engine.dialect.name
    if dialect not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {dialect}.")
    if dialect == "sqlite" and not engine.url.database:
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return dialect


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _evidence_files(upload_dir: Path) -> dict[str, Path]:
    if not upload_dir.is_dir():
        return {}
    return {
        UPLOADS_PREFIX + path.relative_to(upload_dir).as_posix(): path
        for path in sorted(upload_dir.rglob("*"))
        # A `.part` file is an upload still being written; its row was never committed.
        if path.is_file() and path.suffix != ".part"
    }


def _refuse_non_empty(engine: Engine, upload_dir: Path) -> None:
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    engine.dispose()
    if tables:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}); "
            "restore only into a new, empty database."
        )
    if upload_dir.exists() and any(upload_dir.iterdir()):
        raise BackupError(
            f"The upload folder {upload_dir} is not empty; restore only into an empty folder."
        )


def _extract_verified(archive: Path, workdir: Path) -> Manifest:
    """Extract the archive's files and check each against the manifest, size and SHA-256."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = _read_manifest(tar)
            expected = {entry.path: entry for entry in manifest.files}
            for member in tar:
                if member.name == MANIFEST_NAME:
                    continue
                if member.name not in expected or not member.isfile():
                    raise BackupError(f"{member.name} in the archive is not in its manifest.")
                tar.extract(member, workdir, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable backup archive: {error}") from None
    for name, entry in expected.items():
        path = workdir / name
        if not path.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing from the archive.")
        if file_sha256(path) != entry.sha256 or path.stat().st_size != entry.size:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest.")
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        handle = tar.extractfile(MANIFEST_NAME)
    except KeyError:
        raise BackupError("The archive has no manifest.json.") from None
    if handle is None:
        raise BackupError("The archive's manifest.json is not a file.")
    try:
        manifest = json.loads(handle.read())
    except ValueError:
        raise BackupError("The archive's manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"The manifest is not a version {FORMAT_VERSION} Jixiao manifest.")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(_is_safe_entry(entry) for entry in files):
        raise BackupError("The manifest's file list is malformed.")
    entries = [ManifestEntry(e["path"], e["sha256"], e["size"]) for e in files]
    database_file = manifest.get("database_file")
    if database_file not in {entry.path for entry in entries}:
        raise BackupError("The manifest names no database file.")
    revision = manifest.get("alembic_revision")
    return Manifest(
        dialect=str(manifest.get("dialect")),
        revision=revision if isinstance(revision, str) else None,
        database_file=str(database_file),
        files=entries,
    )


def _is_safe_entry(entry: object) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return False
    path = PurePosixPath(entry["path"])
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and isinstance(entry.get("sha256"), str)
        and isinstance(entry.get("size"), int)
    )


def _sqlite_path(url: URL) -> Path:
    return Path(str(url.database))


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup API: consistent even while the source is being written."""
    if not source.is_file():
        raise BackupError(f"The SQLite database {source} does not exist.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg_tool(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian package postgresql-client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _pg_dump(url: URL, target: Path) -> None:
    dsn, env = _libpq(url)
    _run_pg_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", dsn], env)


def _pg_restore(url: URL, dump: Path) -> None:
    dsn, env = _libpq(url)
    _run_pg_tool(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dsn}",
            str(dump),
        ],
        env,
    )
