"""`flask simulate year`: a whole annual cycle on a throwaway database (CONTRACT)."""

from __future__ import annotations

import json
import sys

import click

from app.cycle.simulation import DEFAULT_YEAR

simulate_cli = click.Group("simulate", help="Simulate an annual cycle on a throwaway database.")


@simulate_cli.command("year")
@click.option("--units", "units", type=click.IntRange(2, 500), default=8, show_default=True)
@click.option("--ratings", "ratings", type=click.IntRange(0), default=0, show_default=True)
@click.option("--seed", "seed", type=int, default=1, show_default=True)
@click.option(
    "--year", "year", type=click.IntRange(2000, 2999), default=DEFAULT_YEAR, show_default=True
)
@click.option(
    "--postgresql",
    "postgresql",
    metavar="URL",
    default=None,
    help="Run on a database created on this PostgreSQL server (and dropped after), e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres; default: a temporary SQLite file.",
)
def year_command(units: int, ratings: int, seed: int, year: int, postgresql: str | None) -> None:
    """Run a province-year (N units, M public ratings) of assessment year Y with simulated
    people; print the summary as JSON; exit 1 if any instance ends in error."""
    from app.cycle.simulation.runner import simulate_in_throwaway_database  # noqa: PLC0415

    summary = simulate_in_throwaway_database(
        units=units, ratings=ratings, seed=seed, year=year, postgresql=postgresql
    )
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if summary["errors"]:
        sys.exit(1)
