"""`WriteBatch`: writes sent together (on PostgreSQL in one pipeline) land as the ORM's would,
guards raise, and database errors come out as SQLAlchemy's, with the session still usable."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import Table, bindparam, create_engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from app.api.idempotency import IdempotentResponse
from app.auth.roles import Role
from app.db import utcnow
from app.db_batch import WriteBatch
from app.extensions import db
from tests.factories import make_user

_RESPONSES = cast(Table, IdempotentResponse.__table__)
_INSERT = insert(_RESPONSES)
_SET_STATUS = (
    update(_RESPONSES)
    .where(_RESPONSES.c.key == bindparam("the_key"))
    .values(status=bindparam("new_status"))
)


class Missing(Exception):
    pass


def _row(user_id: int, key: str, body: object) -> dict[str, object]:
    return {
        "user_id": user_id,
        "key": key,
        "method": "POST",
        "path": "/api/v1/x",
        "status": 200,
        "body": body,
        "created_at": utcnow() - timedelta(minutes=len(key)),
    }


def test_batched_rows_read_back_as_written(app: Flask) -> None:
    user = make_user("office1", Role.OFFICE_STAFF)
    rows = [_row(user.id, "a", {"名称": "甲", "n": [1, 2]}), _row(user.id, "bb", None)]
    writes = WriteBatch()
    writes.add(_INSERT, rows)  # several rows
    writes.add(_INSERT, _row(user.id, "ccc", ["乙"]))  # one row
    writes.add(_SET_STATUS, {"the_key": "bb", "new_status": 201}, if_not_one=Missing)
    writes.send(db.session)
    db.session.commit()
    stored = {r.key: r for r in db.session.execute(select(IdempotentResponse)).scalars()}
    assert stored["a"].body == {"名称": "甲", "n": [1, 2]}
    assert stored["bb"].body is None and stored["bb"].status == 201
    assert stored["ccc"].body == ["乙"]
    assert stored["a"].created_at == rows[0]["created_at"]  # aware, UTC, to the microsecond


def test_a_guard_that_matched_no_row_raises_its_error(app: Flask) -> None:
    writes = WriteBatch()
    writes.add(_SET_STATUS, {"the_key": "nobody", "new_status": 500}, if_not_one=Missing)
    with pytest.raises(Missing):
        writes.send(db.session)
    db.session.rollback()


def test_a_failing_write_raises_sqlalchemys_error_and_the_session_recovers(app: Flask) -> None:
    user = make_user("office1", Role.OFFICE_STAFF)
    writes = WriteBatch()
    writes.add(_INSERT, [_row(user.id, "same", 1), _row(user.id, "same", 2)])
    with pytest.raises(IntegrityError):
        writes.send(db.session)
    db.session.rollback()
    assert db.session.execute(select(IdempotentResponse)).scalars().all() == []


def test_a_connection_the_server_closed_is_dropped_from_the_pool(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("killing server connections needs PostgreSQL")
    user_id = make_user("office1", Role.OFFICE_STAFF).id
    db.session.commit()
    backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    admin.dispose()
    writes = WriteBatch()
    writes.add(_INSERT, _row(user_id, "late", 1))
    with pytest.raises(OperationalError) as raised:
        writes.send(db.session)
    assert raised.value.connection_invalidated
    db.session.rollback()
    assert db.session.execute(text("SELECT 1")).scalar_one() == 1
