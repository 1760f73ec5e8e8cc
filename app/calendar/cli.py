"""`flask calendar import FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from app.auth.actor import Actor
from app.calendar.services import import_calendar, parse_calendar_csv
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.extensions import db_session
from app.workflow.timers.deadlines import recompute_provisional_deadlines

calendar_cli = click.Group("calendar", help="Official holidays and adjusted working days.")


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(file: Path) -> None:
    """Import a `date,kind,note` CSV: each year in the file replaces that year's entries."""
    actor = Actor.system("calendar-import")
    try:
        with unit_of_work(db_session()) as session:
            years = import_calendar(
                session,
                actor=actor,
                now=utcnow(),
                entries=parse_calendar_csv(file.read_text(encoding="utf-8")),
            )
            recomputed = recompute_provisional_deadlines(session, actor=actor, now=utcnow())
    except DomainError as error:
        lines = [
            f"  line {d['line']}: {d['message']}"
            for d in error.details or []
            if isinstance(d, dict)
        ]
        raise click.ClickException("\n".join([error.message, *lines])) from error
    click.echo("Imported " + ", ".join(str(y) for y in years))
    if recomputed.tasks or recomputed.instances:
        click.echo(
            f"Recomputed {recomputed.tasks} task due date(s) in {recomputed.instances} instance(s)."
        )
