"""`Idempotency-Key`: a retried call with the same key gets the first answer and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, jsonify, make_response, request
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.api.edge import MalformedRequest, api_actor
from app.db import Base, utcnow
from app.errors import Conflict
from app.extensions import db_session

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_LENGTH = 128


class IdempotentResponse(Base):
    """The stored answer to a call made with an `Idempotency-Key`."""

    __tablename__ = "idempotent_responses"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    status: Mapped[int]
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _replay(stored: IdempotentResponse) -> Response:
    if stored.method != request.method or stored.path != request.path:
        raise Conflict(_("This Idempotency-Key was used for another call."))
    response = make_response(jsonify(stored.body), stored.status)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent_commit(view: F) -> F:
    """Commit the view's work; with an Idempotency-Key, store the answer in the same transaction
    and give a retry the stored answer instead of doing the work again."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key", "").strip()
        session = db_session()
        if not key:
            result = view(*args, **kwargs)
            session.commit()
            return result
        if len(key) > MAX_KEY_LENGTH:
            raise MalformedRequest(_("The Idempotency-Key is too long."))
        user_id = api_actor().user_id
        lookup = select(IdempotentResponse).where(
            IdempotentResponse.user_id == user_id, IdempotentResponse.key == key
        )
        stored = session.execute(lookup).scalar_one_or_none()
        if stored is not None:
            return _replay(stored)
        response = make_response(view(*args, **kwargs))
        session.add(
            IdempotentResponse(
                user_id=user_id,
                key=key,
                method=request.method,
                path=request.path,
                status=response.status_code,
                body=json.loads(response.get_data() or b"null"),
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # the same key won a race: answer as it did
            return _replay(session.execute(lookup).scalar_one())
        return response

    return cast(F, wrapped)
