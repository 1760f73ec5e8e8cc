"""Several writes sent to the database together: on PostgreSQL in one round trip.

A completion's writes (the task, the new tasks, the instance row, its events, the audit chain)
need no answer from the server except a row count, yet each used to wait for one: on PostgreSQL
most of a completion's time was spent waiting. A `WriteBatch` sends them in psycopg's pipeline
mode and waits once. On SQLite (no round trips) the writes are executed one by one.

Each statement is compiled by SQLAlchemy for the connection's dialect once (an upsert is not
cached by SQLAlchemy on SQLite), and every parameter goes through its column type's bind
processor, so the rows written are the ones `Connection.execute` would write.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Write:
    statement: UpdateBase
    rows: Sequence[Params]  # one statement per row; PostgreSQL runs them in the same pipeline
    if_not_one: Callable[[], Exception] | None  # raised unless it touched exactly one row


@dataclass(frozen=True)
class _Compiled:
    sql: str
    processors: Mapping[str, Callable[[Any], Any] | None]
    fixed: dict[str, Any]  # the values the statement itself holds (a literal in a WHERE clause)
    positions: tuple[str, ...] | None  # for a positional paramstyle (SQLite's ?), their order

    def parameters(self, row: Params) -> dict[str, Any] | tuple[Any, ...]:
        processed = self.fixed | _processed(self.processors, row)
        if self.positions is None:
            return processed
        return tuple(processed[name] for name in self.positions)


def _processed(
    processors: Mapping[str, Callable[[Any], Any] | None], row: Params
) -> dict[str, Any]:
    """The row's values as the driver takes them (JSON text, enum values, UTC datetimes). None
    goes through the processor too: a JSON column stores it as JSON null, as SQLAlchemy does."""
    processed = {}
    for name, value in row.items():
        processor = processors.get(name)
        processed[name] = value if processor is None else processor(value)
    return processed


@functools.lru_cache(maxsize=128)
def _compiled(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    if compiled.insert_prefetch or compiled.update_prefetch:
        # A column default SQLAlchemy would compute in Python is not computed here: pass it.
        raise ValueError(f"every column with a default needs a value: {compiled}")
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    fixed = {
        name: bind.effective_value
        for name, bind in compiled.binds.items()
        if name not in keys and not bind.required
    }
    positions = tuple(compiled.positiontup) if compiled.positional else None  # type: ignore[arg-type]
    return _Compiled(str(compiled), processors, _processed(processors, fixed), positions)


class WriteBatch:
    """Writes collected now and sent together by `send`."""

    def __init__(self) -> None:
        self._writes: list[_Write] = []

    def add(
        self,
        statement: UpdateBase,
        rows: Params | Sequence[Params],
        *,
        if_not_one: Callable[[], Exception] | None = None,
    ) -> None:
        """Queue `statement` with one row of parameters (or several, all with the same keys);
        `if_not_one` is raised by `send` unless it touched exactly one row."""
        many = [rows] if isinstance(rows, Mapping) else list(rows)
        if many:
            self._writes.append(_Write(statement, many, if_not_one))

    def extend(self, other: WriteBatch) -> None:
        """Queue `other`'s writes after these (and empty it)."""
        self._writes.extend(other._writes)
        other._writes = []

    def send(self, session: Session) -> None:
        """Execute every queued write in the session's transaction, in order."""
        writes, self._writes = self._writes, []
        if not writes:
            return
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            counts = _pipelined(connection, writes)
        else:
            counts = [_one_by_one(connection, write) for write in writes]
        for write, count in zip(writes, counts, strict=True):
            if write.if_not_one is not None and count != 1:
                raise write.if_not_one()


def _one_by_one(connection: Connection, write: _Write) -> int:
    compiled = _compiled(write.statement, connection.dialect, tuple(write.rows[0]))
    rows = [compiled.parameters(row) for row in write.rows]
    result = connection.exec_driver_sql(compiled.sql, rows[0] if len(rows) == 1 else rows)
    return result.rowcount


def _pipelined(connection: Connection, writes: list[_Write]) -> list[int]:
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    sent: list[tuple[_Compiled, Any]] = []
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            for write in writes:
                compiled = _compiled(write.statement, dialect, tuple(write.rows[0]))
                cursor = driver.cursor()  # type: ignore[union-attr]
                rows = [compiled.parameters(row) for row in write.rows]
                if len(rows) == 1:
                    cursor.execute(compiled.sql, rows[0])
                else:
                    cursor.executemany(compiled.sql, rows)
                sent.append((compiled, cursor))
    except dialect.loaded_dbapi.Error as error:
        _raise_as_sqlalchemy(connection, error, ";\n".join(compiled.sql for compiled, _c in sent))
    # Leaving the block waited for every result: the row counts are known.
    counts = []
    for _compiled_write, cursor in sent:
        counts.append(cursor.rowcount)
        cursor.close()
    return counts


def _raise_as_sqlalchemy(connection: Connection, error: Any, sql: str) -> NoReturn:
    """Raise what SQLAlchemy would have raised (OperationalError, IntegrityError, …), and let
    the pool drop a connection the server closed, as it does for its own statements."""
    dialect = connection.dialect
    disconnected = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if disconnected:
        connection.invalidate(error)
    raise exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=disconnected,
        dialect=dialect,
    ) from error
