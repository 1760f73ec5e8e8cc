"""`flask scores what-if FILE`: the score table an inputs file gives, stored nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import click

from app.errors import DomainError
from app.extensions import db_session
from app.scoring.inputs import parse_inputs_text
from app.scoring.services import what_if

scores_cli = click.Group("scores", help="Scores and grade proposals (SPEC §8, §9).")


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
