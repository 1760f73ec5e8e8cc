"""The declarative base, column types shared by every model, and transaction helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Enum, MetaData, TypeDecorator, event, func, select
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[StrEnum], length: int = 32) -> Enum:
    """A StrEnum column stored as its values in a VARCHAR (no native enum types to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Base of every model: naming convention and aware datetimes."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def next_number(session: Session, column: Any, *where: ColumnElement[bool]) -> int:
    """One more than the highest `column` among the rows `where` selects (1 for the first):
    the next version or revision of something numbered per key."""
    highest = session.execute(select(func.max(column)).where(*where)).scalar()
    return int(highest or 0) + 1


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit what the block did, or roll all of it back; for entry points, never services."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave for concurrent writers: WAL, a busy timeout, BEGIN IMMEDIATE.

    Every transaction takes the write lock when it begins, so a transaction that reads and
    then writes cannot fail half-way because another writer committed in between.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # With WAL, NORMAL cannot corrupt the database; a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
