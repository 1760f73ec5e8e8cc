"""Browser sessions kept in the database, so signing out makes a copied cookie worthless."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from app.auth.models import WebSession
from app.db import utcnow
from app.extensions import db

# Refresh last_seen_at at most this often, so reads do not write on every request.
_TOUCH_INTERVAL = timedelta(seconds=60)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data with the key of its database row; `rotate()` and `end()` act on save."""

    def __init__(self, data: dict[str, Any] | None = None, key: str | None = None) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.key = key
        self.modified = False
        self.rotate_requested = False
        self.end_requested = False
        self.needs_touch = False
        self.was_expired = False

    def rotate(self) -> None:
        """Issue a new key at the next save (on sign-in), dropping the old row."""
        self.rotate_requested = True
        self.modified = True

    def end(self) -> None:
        """Delete the session row and the cookie at the next save (on sign-out)."""
        self.clear()
        self.end_requested = True

    @property
    def row_id(self) -> str | None:
        """The database id of this session (hash of its key), if it has one."""
        return _digest(self.key) if self.key else None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseSessionInterface(SessionInterface):
    """Stores session data in `web_sessions`; enforces the idle and absolute timeouts."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        key = request.cookies.get(self.get_cookie_name(app))
        if not key or len(key) > 128:
            return ServerSession()
        row = db.session.get(WebSession, _digest(key))
        now = utcnow()
        if row is None or self._expired(app, row, now):
            stale = ServerSession(key=key)  # the key is dropped, and its row deleted, on save
            stale.was_expired = True
            return stale
        session = ServerSession(dict(row.data), key)
        session.needs_touch = now - row.last_seen_at > _TOUCH_INTERVAL
        return session

    @staticmethod
    def _expired(app: Flask, row: WebSession, now: datetime) -> bool:
        idle: timedelta = app.config["SESSION_IDLE_TIMEOUT"]
        absolute: timedelta = app.config["SESSION_ABSOLUTE_TIMEOUT"]
        return now - row.last_seen_at > idle or now - row.created_at > absolute

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        # A view that did not commit its own changes must not have them committed here.
        db.session.rollback()
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        secure, samesite = self.get_cookie_secure(app), self.get_cookie_samesite(app)
        if session.end_requested or not session:
            if session.key:
                self._delete_row(session.row_id)
                response.delete_cookie(
                    name, domain=domain, path=path, secure=secure, httponly=True, samesite=samesite
                )
            return
        new_key = session.rotate_requested or session.was_expired or not session.key
        if not (new_key or session.modified or session.needs_touch):
            return
        if new_key:
            self._delete_row(session.row_id)
            session.key = secrets.token_urlsafe(32)
        self._store(session)
        response.vary.add("Cookie")
        response.set_cookie(
            name,
            session.key or "",
            httponly=True,
            secure=secure,
            samesite=samesite,
            domain=domain,
            path=path,
        )

    @staticmethod
    def _delete_row(row_id: str | None) -> None:
        if row_id is None:
            return
        row = db.session.get(WebSession, row_id)
        if row is not None:
            db.session.delete(row)
            db.session.commit()

    @staticmethod
    def _store(session: ServerSession) -> None:
        assert session.row_id is not None
        now = utcnow()
        row = db.session.get(WebSession, session.row_id)
        if row is None:
            row = WebSession(id=session.row_id, created_at=now)
            db.session.add(row)
        row.data = dict(session)
        row.user_id = _user_id_of(session)
        row.last_seen_at = now
        db.session.commit()


def _user_id_of(session: ServerSession) -> int | None:
    raw = session.get("_user_id")
    return int(raw) if raw is not None else None
