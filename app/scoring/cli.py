"""`flask scores …`: the inputs gathered from the records, computing and storing a version, and
the table an inputs file gives (stored nowhere)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask_babel import gettext as _

from app.auth.actor import Actor
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.extensions import db_session
from app.scoring.gather import compute_year, gather_inputs
from app.scoring.inputs import parse_inputs_text
from app.scoring.services import run_table, what_if
from app.scoring.workbook import score_workbook, table_headers, workbook_title

scores_cli = click.Group("scores", help="Scores and grade proposals (SPEC §8, §9).")
CLI = Actor.system("cli")


@scores_cli.command("inputs")
@click.argument("year", type=click.IntRange(1, 9999))
def inputs_command(year: int) -> None:
    """Print the year's scoring inputs gathered from the records (CONTRACT's format)."""
    try:
        document = gather_inputs(db_session(), year)
    finally:
        db_session().rollback()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@scores_cli.command("compute")
@click.argument("year", type=click.IntRange(1, 9999))
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the workbook.")
@click.option("--reason", default=None, help="Why the scores are computed (audited).")
def compute_command(year: int, xlsx: Path | None, reason: str | None) -> None:
    """Compute the year's scores from the records, store them as a new version, print the table."""
    try:
        with unit_of_work(db_session()) as session:
            run = compute_year(
                session, CLI, year, reason or _("Year-end computation"), now=utcnow()
            )
            table = run_table(run)
            workbook = score_workbook(run, table_headers(), workbook_title(run)) if xlsx else None
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if xlsx is not None and workbook is not None:
        xlsx.write_bytes(workbook)
    click.echo(json.dumps(table, ensure_ascii=False, indent=2))


@scores_cli.command("what-if")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def what_if_command(file: Path) -> None:
    """Print the score table the inputs in FILE give, as the scores API does; store nothing."""
    try:
        table = what_if(db_session(), parse_inputs_text(file.read_bytes()))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    finally:
        db_session().rollback()
    click.echo(json.dumps(table, ensure_ascii=False, indent=2))
