"""`flask audit verify`."""

from __future__ import annotations

import click

from app.audit.services import verify_chain
from app.extensions import db, db_session

audit_cli = click.Group("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 naming the first broken entry."""
    report = verify_chain(db_session())
    db.session.rollback()
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries.")
        return
    click.echo(
        f"Audit chain broken at entry {report.first_bad_seq}: {report.reason} "
        f"({report.checked} entries verified before it).",
        err=True,
    )
    raise SystemExit(1)
