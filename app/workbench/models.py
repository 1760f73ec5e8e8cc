"""What the workbench keeps besides deployed versions: drafts of diagrams and stored forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class ProcessDraft(Base):
    """One saved revision of a diagram that is not deployed; revisions count up per process key."""

    __tablename__ = "process_drafts"
    __table_args__ = (UniqueConstraint("key", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    revision: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(120))
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StoredForm(Base):
    """One version of a form edited in the workbench; versions are never changed once saved.

    A diagram names version N of form NAME as `NAME.vN.schema.json`; deploying a diagram that names
    plain `NAME.schema.json` pins the latest stored version, so running procedures keep theirs.
    """

    __tablename__ = "stored_forms"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int]
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    ui_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
