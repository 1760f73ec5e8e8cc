"""`flask bpmn deploy PATH…`."""

from __future__ import annotations

from pathlib import Path

import click

from app.auth.actor import Actor
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.extensions import db_session
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload

bpmn_cli = click.Group("bpmn", help="Process diagrams.")
SUFFIXES = (".bpmn", ".dmn")


def _collect(paths: tuple[str, ...]) -> list[Upload]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise click.ClickException(f"{raw}: no such file or folder")
    return [Upload(p.name, p.read_bytes()) for p in files]


@bpmn_cli.command("deploy")
@click.argument("paths", nargs=-1, required=True)
def bpmn_deploy(paths: tuple[str, ...]) -> None:
    """Deploy BPMN/DMN files (or every one in the folders) as new versions, in one upload."""
    uploads = _collect(paths)
    try:
        with unit_of_work(db_session()) as session:
            result = deploy(session, actor=Actor.system("cli"), uploads=uploads, now=utcnow())
    except DomainError as error:
        details = error.details if isinstance(error.details, list) else []
        lines = [
            f"  {d.get('file') or ''} {d.get('element_id') or ''}: {d['message']}" for d in details
        ]
        raise click.ClickException("\n".join([error.message, *lines])) from error
    for key, version in result.deployed:
        click.echo(f"{key} {version}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


scheduler_cli = click.Group("scheduler", help="The timer scheduler.")


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Fire due timers every few seconds until stopped (run one or more of these per site)."""
    from flask import current_app  # noqa: PLC0415

    from app.workflow.timers.ticker import run_blocking  # noqa: PLC0415

    click.echo("Scheduler running; Ctrl+C stops it.")
    run_blocking(current_app._get_current_object())  # type: ignore[attr-defined]


@scheduler_cli.command("tick")
def scheduler_tick() -> None:
    """Fire the timers that are due now, once, and exit."""
    from app.workflow.timers.scheduler import run_tick  # noqa: PLC0415

    click.echo(f"Fired {run_tick(db_session(), now=utcnow())} timer(s).")
