"""`flask evidence sweep`: remove what failed uploads left in the evidence store (S22)."""

from __future__ import annotations

from datetime import timedelta

import click

from app.auth.actor import Actor
from app.db import unit_of_work, utcnow
from app.evidence.storage import storage_root
from app.evidence.sweep import GRACE, sweep_evidence_store
from app.extensions import db_session

evidence_cli = click.Group("evidence", help="The evidence file store.")


@evidence_cli.command("sweep")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=10, max=7 * 24 * 60),
    default=int(GRACE.total_seconds() // 60),
    show_default=True,
    help="Leave files written more recently than this (an upload may still be committing).",
)
def evidence_sweep(grace_minutes: int) -> None:
    """Remove partial files of interrupted uploads and files without an evidence row (the
    scheduler does it every hour)."""
    with unit_of_work(db_session()) as session:
        result = sweep_evidence_store(
            session,
            storage_root(),
            now=utcnow(),
            actor=Actor.system("evidence sweep"),
            grace=timedelta(minutes=grace_minutes),
        )
    click.echo(
        f"Checked {result.checked} older file(s): removed {len(result.partial)} partial and "
        f"{len(result.orphaned)} without a record."
    )
