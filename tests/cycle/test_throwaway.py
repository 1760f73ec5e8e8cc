"""The simulation's throwaway database: a temporary SQLite file, or a database created on a
PostgreSQL server for the run and dropped after it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cycle.simulation.throwaway import throwaway_database
from tests.conftest import PG_URL


def _databases(server: str) -> set[str]:
    engine = create_engine(server)
    with engine.connect() as connection:
        names = set(connection.execute(text("SELECT datname FROM pg_database")).scalars())
    engine.dispose()
    return names


def test_sqlite_is_a_file_in_a_folder_that_goes_away() -> None:
    with throwaway_database() as (url, folder):
        assert url == f"sqlite:///{folder / 'year.sqlite'}"
        assert folder.is_dir()
    assert not folder.exists()


@pytest.mark.skipif(PG_URL is None, reason="TEST_DATABASE_URL names no PostgreSQL server")
def test_a_postgresql_database_is_created_for_the_run_and_dropped_after() -> None:
    assert PG_URL is not None
    with throwaway_database(PG_URL) as (url, _folder):
        name = make_url(url).database
        assert name is not None and name.startswith("jixiao_sim_")
        assert name in _databases(PG_URL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (id integer)"))
        engine.dispose()
    assert name not in _databases(PG_URL)
