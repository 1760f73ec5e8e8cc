"""`flask ratings links` and `flask ratings device-key`."""

from __future__ import annotations

import click
from flask import current_app

from app.auth.actor import Actor
from app.db import unit_of_work, utcnow
from app.errors import DomainError
from app.evaluations.ratings.links import rating_link
from app.evaluations.ratings.services import issue_device_key
from app.extensions import db_session
from app.org.services import current_year, memberships

ratings_cli = click.Group("ratings", help="Public daily ratings.")
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@ratings_cli.command("links")
@click.option("--base-url", help="Scheme and host of the links, e.g. https://jixiao.jiangxi.gov.cn")
def links(base_url: str | None) -> None:
    """Each unit of the current year and its public rating link: CODE<TAB>URL a line."""
    base = base_url or current_app.config.get("RATING_BASE_URL") or DEFAULT_BASE_URL
    session = db_session()
    try:
        year = current_year(session)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    with current_app.test_request_context(base_url=base):
        for membership in memberships(session, year):
            unit = membership.unit
            click.echo(f"{unit.code}\t{rating_link(unit.rating_token, base)}")


@ratings_cli.command("device-key")
@click.argument("name")
def device_key(name: str) -> None:
    """Register a service-desk rating device and print its key (shown this once)."""
    actor = Actor.system("cli")
    try:
        with unit_of_work(db_session()) as session:
            device, key = issue_device_key(session, actor=actor, name=name, now=utcnow())
            device_id = device.id
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Device {device_id} ({name}): {key}")
