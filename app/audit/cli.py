"""`flask audit verify`, `flask audit sign-head`, `flask audit archive`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from app.audit.services import verify_chain
from app.audit.signing import (
    ArchiveRefused,
    SigningKeyMissing,
    archive_entries,
    check_signed_heads,
    sign_head,
)
from app.auth.actor import Actor
from app.db import utcnow
from app.extensions import db, db_session

audit_cli = click.Group("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain and the signed daily heads; exit 1 naming the first break."""
    session = db_session()
    report = verify_chain(session)
    try:
        head_problem = check_signed_heads(session, now=utcnow())
    except SigningKeyMissing as missing:
        db.session.rollback()
        raise click.ClickException(f"cannot check the signed heads: {missing}") from None
    db.session.rollback()
    if not report.ok:
        click.echo(
            f"Audit chain broken at entry {report.first_bad_seq}: {report.reason} "
            f"({report.checked} entries verified before it).",
            err=True,
        )
        raise SystemExit(1)
    if head_problem is not None:
        click.echo(
            f"Signed audit head {head_problem.head_id} fails: {head_problem.reason}.", err=True
        )
        raise SystemExit(1)
    click.echo(f"Audit chain intact: {report.checked} entries; signed heads hold.")


@audit_cli.command("sign-head")
def audit_sign_head() -> None:
    """Sign the chain's current head with the audit key (the scheduler does it once a day)."""
    try:
        signed = sign_head(db_session(), now=utcnow(), actor=Actor.system("audit sign-head"))
    except SigningKeyMissing as missing:
        db.session.rollback()
        raise click.ClickException(str(missing)) from None
    db.session.commit()
    click.echo(f"Signed head {signed.id}: entry {signed.last_seq} on {signed.day}.")


@audit_cli.command("archive")
@click.option(
    "--before",
    "before",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Archive entries older than this date (at least 180 days ago).",
)
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path))
def audit_archive(before: object, target: Path) -> None:
    """Move the oldest entries to a signed file, then out of the database."""
    assert hasattr(before, "date")
    day: date = before.date()
    try:
        archive = archive_entries(
            db_session(),
            actor=Actor.system("audit archive"),
            before=day,
            target=target,
            now=utcnow(),
        )
    except (ArchiveRefused, SigningKeyMissing) as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(
        f"Archived entries {archive.first_seq}–{archive.last_seq} to {target} "
        f"(sha256 {archive.file_sha256})."
    )
