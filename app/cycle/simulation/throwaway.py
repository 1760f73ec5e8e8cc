"""The throwaway database a simulated year runs on: a temporary SQLite file, or a database
created for the run on a PostgreSQL server and dropped after it."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def throwaway_database(server_url: str | None = None) -> Iterator[tuple[str, Path]]:
    """(database URL, a temporary folder for uploads); on SQLite without `server_url`, else a
    new database on that PostgreSQL server (its URL names the database to connect to first)."""
    with tempfile.TemporaryDirectory(prefix="jixiao-sim-") as folder:
        path = Path(folder)
        if server_url is None:
            yield f"sqlite:///{path / 'year.sqlite'}", path
            return
        server = make_url(server_url)
        name = f"jixiao_sim_{os.getpid()}_{secrets.token_hex(4)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                yield server.set(database=name).render_as_string(hide_password=False), path
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
