"""Sending and reading in-app notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.notifications.models import Notification
from app.notifications.outbox import enqueue


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
    distinct = sorted(set(user_ids))
    if not distinct:
        return 0
    notifications = [
        Notification(
            user_id=user_id, kind=kind, title=title[:200], body=body, link=link, created_at=now
        )
        for user_id in distinct
    ]
    session.add_all(notifications)
    session.flush()
    emails: dict[int, str] = {
        user_id: address
        for user_id, address in session.execute(
            select(User.id, User.email).where(User.id.in_(distinct), User.email.is_not(None))
        )
        if address
    }
    for notification in notifications:
        address = emails.get(notification.user_id)
        if address:
            enqueue(
                session,
                channel="email",
                recipient=address,
                subject=title,
                body=f"{body}\n{link or ''}",
                dedupe_key=f"notification-{notification.id}",
                now=now,
            )
    return len(distinct)


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
