"""Email and SMS go out after the commit, are retried, and a resend carries the same id
(SECURITY R7 at test scale)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.auth.roles import Role
from app.db import utcnow
from app.extensions import db
from app.notifications import channels as channel_module
from app.notifications.models import OutboxMessage
from app.notifications.outbox import LEASE, _claim, dispatch
from app.notifications.services import notify
from tests.factories import make_user


class Recorder:
    """A channel that records what it delivers, and can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.failures = 0

    def send(self, *, recipient: str, subject: str, body: str, message_id: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("smtp down")
        self.sent.append({"to": recipient, "subject": subject, "id": message_id})


@pytest.fixture
def alice(app: Flask) -> Any:
    user = make_user("alice", Role.OFFICE_STAFF)
    user.email = "alice@example.gov.cn"
    db.session.commit()
    return user


def test_nothing_is_sent_when_the_change_rolls_back(alice: Any) -> None:
    notify(db.session, [alice.id], kind="overdue", title="任务已逾期", now=utcnow())
    db.session.rollback()
    recorder = Recorder()
    assert dispatch(db.session, {"email": recorder}, now=utcnow()) == 0
    assert recorder.sent == []


def test_a_committed_message_is_sent_once(alice: Any) -> None:
    notify(db.session, [alice.id, alice.id], kind="overdue", title="任务已逾期", now=utcnow())
    db.session.commit()
    recorder = Recorder()
    assert dispatch(db.session, {"email": recorder}, now=utcnow()) == 1
    assert dispatch(db.session, {"email": recorder}, now=utcnow() + timedelta(hours=1)) == 0
    assert [m["to"] for m in recorder.sent] == ["alice@example.gov.cn"]


def test_a_failed_send_is_retried_later(alice: Any) -> None:
    notify(db.session, [alice.id], kind="overdue", title="任务已逾期", now=utcnow())
    db.session.commit()
    recorder = Recorder()
    recorder.failures = 1
    now = utcnow()
    assert dispatch(db.session, {"email": recorder}, now=now) == 0
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.attempts == 1 and message.last_error == "smtp down"
    assert dispatch(db.session, {"email": recorder}, now=now + timedelta(seconds=1)) == 0
    assert dispatch(db.session, {"email": recorder}, now=now + timedelta(minutes=3)) == 1
    assert len(recorder.sent) == 1


def test_a_dispatcher_killed_after_sending_resends_with_the_same_id(alice: Any) -> None:
    notify(db.session, [alice.id], kind="overdue", title="任务已逾期", now=utcnow())
    db.session.commit()
    recorder = Recorder()
    now = utcnow()
    [claimed] = _claim(db.session, now, 10)
    db.session.commit()
    message = db.session.get(OutboxMessage, claimed)
    recorder.send(
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        message_id=message.dedupe_key,
    )  # ... and the dispatcher dies here
    db.session.rollback()
    assert dispatch(db.session, {"email": recorder}, now=now + timedelta(seconds=5)) == 0
    assert dispatch(db.session, {"email": recorder}, now=now + LEASE + timedelta(seconds=1)) == 1
    assert len(recorder.sent) == 2
    assert len({m["id"] for m in recorder.sent}) == 1  # the receiver keeps one


def test_users_without_an_address_get_no_email(app: Flask) -> None:
    bob = make_user("bob", Role.OFFICE_STAFF)
    notify(db.session, [bob.id], kind="overdue", title="任务已逾期", now=utcnow())
    db.session.commit()
    assert db.session.execute(select(OutboxMessage)).first() is None


def test_smtp_channel_sets_the_message_id(monkeypatch: pytest.MonkeyPatch) -> None:
    delivered: list[Any] = []

    class FakeSmtp:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            assert (host, port) == ("mail.example", 2525)

        def __enter__(self) -> FakeSmtp:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def send_message(self, message: Any) -> None:
            delivered.append(message)

    monkeypatch.setattr(channel_module.smtplib, "SMTP", FakeSmtp)
    channels = channel_module.channels_for(
        {"SMTP_HOST": "mail.example", "SMTP_PORT": 2525, "MAIL_FROM": "jixiao@example"}
    )
    channels["email"].send(recipient="a@b.c", subject="主题", body="正文", message_id="n-7")
    assert delivered[0]["Message-ID"] == "<n-7@jixiao>" and delivered[0]["To"] == "a@b.c"
    assert isinstance(channel_module.channels_for({})["email"], channel_module.LogChannel)
