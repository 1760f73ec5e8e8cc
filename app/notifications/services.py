"""Sending and reading in-app notifications."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.db_batch import WriteBatch
from app.notifications.models import Notification
from app.notifications.outbox import message_row, queue_messages

_INSERT_NOTIFICATION = insert(Notification)


def email_addresses(session: Session, user_ids: Iterable[int]) -> dict[int, str | None]:
    """Each user's email address (None without one)."""
    query = select(User.id, User.email).where(User.id.in_(set(user_ids)))
    found = {user_id: email for user_id, email in session.execute(query).tuples()}
    return {user_id: found.get(user_id) or None for user_id in user_ids}


def queue_notifications(
    writes: WriteBatch,
    recipients: Mapping[int, str | None],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    now: datetime,
) -> int:
    """Queue one notification per recipient (user id → email address or None) in `writes`,
    plus an email to each one with an address, sent after the commit by the outbox; returns how
    many users are notified."""
    users = sorted(recipients)
    writes.add(
        _INSERT_NOTIFICATION,
        [
            {
                "user_id": user_id,
                "kind": kind,
                "title": title[:200],
                "body": body,
                "link": link,
                "created_at": now,
            }
            for user_id in users
        ],
    )
    emails = [
        message_row(
            channel="email",
            recipient=address,
            subject=title,
            body=f"{body}\n{link or ''}",
            # the receiver's Message-ID: unique per message, so a resend after a crash is known
            dedupe_key=f"notification-{uuid.uuid4().hex}",
            now=now,
        )
        for user_id in users
        if (address := recipients[user_id])
    ]
    queue_messages(writes, emails)
    return len(users)


def notify(
    session: Session,
    user_ids: Iterable[int],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str | None = None,
    now: datetime,
) -> int:
    """One notification per distinct user, plus an email to those with an address (sent after
    the commit by the outbox); returns how many users were notified."""
    distinct = set(user_ids)
    if not distinct:
        return 0
    writes = WriteBatch()
    count = queue_notifications(
        writes,
        email_addresses(session, distinct),
        kind=kind,
        title=title,
        body=body,
        link=link,
        now=now,
    )
    writes.send(session)
    return count


def unread_count(session: Session, user_id: int) -> int:
    """How many notifications the user has not read."""
    return int(
        session.execute(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        ).scalar_one()
    )


def latest(
    session: Session, user_id: int, limit: int = 50, *, unread_only: bool = False
) -> Sequence[Notification]:
    """The user's newest notifications (only those not read yet with `unread_only`)."""
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.execute(query.order_by(Notification.id.desc()).limit(limit)).scalars().all()


def mark_all_read(session: Session, *, actor: Actor, now: datetime) -> None:
    """Mark every unread notification of the actor read."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == actor.user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
