"""Channels that carry outbox messages: SMTP email when configured, and a development channel
that only logs (the SMS gateway plugs in here too)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

log = logging.getLogger(__name__)


class Channel(Protocol):
    """Delivers one message; raises on failure (the dispatcher retries)."""

    def send(self, *, recipient: str, subject: str, body: str, message_id: str) -> None:
        """Deliver the message."""


class LogChannel:
    """Development channel: writes the message to the log instead of sending it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, *, recipient: str, subject: str, body: str, message_id: str) -> None:
        """Log the message."""
        log.info("[%s] to %s: %s (%s) %s", self.name, recipient, subject, message_id, body[:200])


class SmtpChannel:
    """Email through an SMTP server."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def send(self, *, recipient: str, subject: str, body: str, message_id: str) -> None:
        """Send one email; the Message-ID lets mail systems drop a duplicate."""
        message = EmailMessage()
        message["From"] = self.config["MAIL_FROM"]
        message["To"] = recipient
        message["Subject"] = subject
        message["Message-ID"] = f"<{message_id}@jixiao>"
        message.set_content(body)
        with smtplib.SMTP(self.config["SMTP_HOST"], self.config["SMTP_PORT"], timeout=15) as smtp:
            if self.config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if self.config.get("SMTP_USER"):
                smtp.login(self.config["SMTP_USER"], self.config["SMTP_PASSWORD"])
            smtp.send_message(message)


def channels_for(config: dict[str, Any]) -> dict[str, Channel]:
    """The channel per name: SMTP email when SMTP_HOST is set, else the logging one."""
    email: Channel = SmtpChannel(config) if config.get("SMTP_HOST") else LogChannel("email")
    return {"email": email, "sms": LogChannel("sms")}
