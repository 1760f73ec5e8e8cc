"""`flask demo load` and `flask users create`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.appeals.demo import load_appeal_demo
from app.auth.actor import Actor
from app.auth.roles import Role
from app.auth.services import create_user, grant_role
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.evaluations.demo import load_evaluations_demo
from app.evaluations.ratings.demo import load_rating_demo
from app.evaluations.survey.demo import load_survey_demo
from app.extensions import db_session
from app.indicators.demo import load_indicator_demo
from app.org.demo import ACCOUNTS, DEMO_YEAR, database_is_empty, load_demo
from app.scoring.demo import FINAL_YEAR, FINISHED_YEAR, load_finished_year_demo
from app.signoff.demo import load_published_notice_demo
from app.verification.demo import load_verification_demo

demo_cli = click.Group("demo", help="The demo province.")
users_cli = click.Group("users", help="Accounts.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database is empty.")
def demo_load(if_empty: bool) -> None:
    """Load the demo province (idempotent) and print the demo accounts."""
    password = current_app.config["DEMO_PASSWORD"]
    with unit_of_work(db_session()) as session:
        if if_empty and not database_is_empty(session):
            click.echo("Database not empty; demo not loaded.")
        else:
            summary = load_demo(session, password=password, now=utcnow())
            click.echo(
                f"Demo province: {summary.units} units and {summary.accounts} accounts added."
            )
            bpmn_dir = Path(current_app.config["BPMN_DIR"])
            added = load_indicator_demo(session, bpmn_dir=bpmn_dir, now=utcnow())
            load_verification_demo(session, bpmn_dir=bpmn_dir, now=utcnow())
            click.echo(
                f"Demo {DEMO_YEAR}: {added.key_tasks} key tasks, "
                f"{added.instances} procedures worked to where they stand."
            )
            sheets = load_survey_demo(
                session, secret_key=current_app.config["SECRET_KEY"], now=utcnow()
            )
            click.echo(f"Demo {DEMO_YEAR} year-end survey: {sheets} answer sheets added.")
            load_evaluations_demo(session, bpmn_dir=bpmn_dir, now=utcnow())
            rated = load_rating_demo(session, bpmn_dir=bpmn_dir, now=utcnow())
            click.echo(f"Demo {DEMO_YEAR}: {rated.ratings} public ratings.")
            scored = load_finished_year_demo(
                session, from_year=DEMO_YEAR, now=utcnow(), year=FINAL_YEAR
            )
            published = load_published_notice_demo(session, year=FINAL_YEAR, now=utcnow())
            click.echo(
                f"Demo {FINAL_YEAR}: {scored} units scored"
                + (", grades final and the notice published." if published else ".")
            )
            scored = load_finished_year_demo(session, from_year=DEMO_YEAR, now=utcnow())
            delivered = load_appeal_demo(session, bpmn_dir=bpmn_dir, now=utcnow())
            click.echo(
                f"Demo {FINISHED_YEAR}: {scored} units scored, "
                f"results delivered to {delivered} units for appeal."
            )
    click.echo(f"Demo accounts (password {password}):")
    for account in ACCOUNTS:
        click.echo(f"  {account.username:<12} {account.role}")
    click.echo("  leader1…leader8 provincial_leader")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.password_option()
def users_create(username: str, display_name: str, role: str | None, password: str) -> None:
    """Create an account, e.g. the first administrators; it must change its password."""
    actor = Actor.system("cli")
    now = utcnow()
    try:
        with unit_of_work(db_session()) as session:
            user = create_user(
                session,
                actor=actor,
                username=username,
                display_name=display_name,
                password=password,
                now=now,
            )
            if role:
                grant_role(session, actor=actor, user=user, role=Role(role), unit=None, now=now)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {username}.")
