"""The outbox: messages are written with the change that causes them and sent after the commit.

A message whose transaction rolls back never exists, so it is never sent. The dispatcher leases
pending rows (`SKIP LOCKED` on PostgreSQL), sends each, and marks it sent; a failure is retried
with growing delays. A dispatcher killed between sending and marking leaves a lease that runs out,
so the message goes again (at least once); its Message-ID lets the receiver drop the copy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.db_batch import WriteBatch
from app.notifications.channels import Channel
from app.notifications.models import OutboxMessage

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8


_INSERT_MESSAGE = insert(OutboxMessage)


def message_row(
    *, channel: str, recipient: str, subject: str, body: str, dedupe_key: str, now: datetime
) -> dict[str, Any]:
    """An outbox row, to be inserted with the change that causes it (`queue_messages`)."""
    return {
        "channel": channel,
        "recipient": recipient,
        "subject": subject[:255],
        "body": body,
        "dedupe_key": dedupe_key[:128],
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }


def queue_messages(writes: WriteBatch, rows: list[dict[str, Any]]) -> None:
    """Queue outbox rows (`message_row`): they go out only if the transaction commits."""
    writes.add(_INSERT_MESSAGE, rows)


def _claim(session: Session, now: datetime, limit: int) -> list[int]:
    pending = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            (OutboxMessage.lease_until.is_(None)) | (OutboxMessage.lease_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return sorted(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(pending.scalar_subquery()))
            .values(lease_until=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def dispatch(
    session: Session, channels: dict[str, Channel], *, now: datetime, limit: int = 100
) -> int:
    """Send pending messages; each is marked in its own commit. Returns how many were sent."""
    claimed = _claim(session, now, limit)
    session.commit()
    sent = 0
    for message_id in claimed:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            continue
        try:
            channels[message.channel].send(
                recipient=message.recipient,
                subject=message.subject,
                body=message.body,
                message_id=message.dedupe_key,
            )
        except Exception as error:  # any delivery failure is retried later
            message.last_error = str(error)[:500]
            message.lease_until = None
            message.next_attempt_at = now + timedelta(minutes=2**message.attempts)
            log.warning("outbox %s failed (attempt %s): %s", message_id, message.attempts, error)
        else:
            message.sent_at = now
            sent += 1
        session.commit()
    return sent
