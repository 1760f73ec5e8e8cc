"""`flask backup create PATH` and `flask backup restore PATH`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.backup.services import BackupError, BackupSummary, create_backup, restore_backup
from app.db import utcnow
from app.extensions import db

backup_cli = click.Group("backup", help="Backup and restore of the database and evidence files.")


def _describe(summary: BackupSummary) -> str:
    return (
        f"{summary.dialect} database at revision {summary.revision or '-'}, "
        f"{summary.evidence_files} evidence file(s), {summary.total_bytes} bytes"
    )


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(path: Path) -> None:
    """Write the database, the evidence files and a SHA-256 manifest to one tar.gz archive."""
    try:
        summary = create_backup(
            path,
            engine=db.engine,
            upload_dir=Path(current_app.config["UPLOAD_DIR"]),
            now=utcnow(),
        )
    except BackupError as error:
        click.echo(f"Backup refused: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Backup written to {path}: {_describe(summary)}.")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_restore(path: Path) -> None:
    """Restore an archive into an empty database and an empty upload folder."""
    db.session.remove()
    try:
        summary = restore_backup(
            path, engine=db.engine, upload_dir=Path(current_app.config["UPLOAD_DIR"])
        )
    except BackupError as error:
        click.echo(f"Restore refused: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"Restored {path}: {_describe(summary)}. "
        "Run `flask --app wsgi db upgrade` if this release is newer, then `audit verify`."
    )
