"""`flask simulate year`: a whole annual cycle on a throwaway database (CONTRACT)."""

from __future__ import annotations

import json
import sys

import click

simulate_cli = click.Group("simulate", help="Simulate an annual cycle on a throwaway database.")


@simulate_cli.command("year")
@click.option("--units", "units", type=click.IntRange(2, 500), default=8, show_default=True)
@click.option("--ratings", "ratings", type=click.IntRange(0), default=0, show_default=True)
@click.option("--seed", "seed", type=int, default=1, show_default=True)
def year_command(units: int, ratings: int, seed: int) -> None:
    """Run a province-year (N units, M public ratings) with simulated people; print the summary
    as JSON; exit 1 if any instance ends in error."""
    from app.cycle.simulation.runner import simulate_in_throwaway_database  # noqa: PLC0415

    summary = simulate_in_throwaway_database(units=units, ratings=ratings, seed=seed)
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if summary["errors"]:
        sys.exit(1)
