"""`flask indicators import-catalogue YEAR FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from app.auth.actor import Actor
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.extensions import db_session
from app.indicators.catalogue import import_catalogue, parse_catalogue

indicators_cli = click.Group("indicators", help="Indicators and the key-task catalogue.")


@indicators_cli.command("import-catalogue")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_catalogue_command(year: int, file: Path) -> None:
    """Import the year's key tasks; each responsible unit gets a draft indicator."""
    try:
        with unit_of_work(db_session()) as session:
            rows = parse_catalogue(session, file.read_bytes(), year)
            drafts = import_catalogue(
                session, actor=Actor.system("cli"), year=year, rows=rows, now=utcnow()
            )
    except DomainError as error:
        lines = [
            f"  row {d['row']}: {d['message']}" for d in error.details or [] if isinstance(d, dict)
        ]
        raise click.ClickException("\n".join([error.message, *lines])) from error
    click.echo(f"Imported {len(rows)} key task(s) and {drafts} draft indicator(s) for {year}.")
