"""Taking a public rating, moderating it, the service-desk devices, and the rectification a bad
review opens. Services flush; the caller commits."""

from __future__ import annotations

import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.roles import Permission
from app.auth.services import require
from app.calendar.workdays import local_date
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.evaluations.ratings.identity import device_key_hash
from app.evaluations.ratings.models import Channel, DailyRating, Level, Moderation, RatingDevice
from app.evaluations.ratings.rules import RatingRules
from app.org.models import Unit
from app.workflow.instances.runtime import start_instance

log = logging.getLogger(__name__)

RECTIFICATION_KEY = "rectification"
RATINGS_ACTOR = Actor.system("ratings")


@dataclass(frozen=True)
class Rater:
    """Where a rating comes from, as keyed hashes only (identity.py)."""

    device_hash: str
    client_hash: str
    channel: Channel = Channel.QR
    device_id: int | None = None


@dataclass(frozen=True)
class RatingInput:
    """What the rating form posts, unchecked."""

    level: str | None
    comment: str = ""
    contact: str = ""


def unit_for_token(session: Session, token: str) -> Unit:
    """The unit behind a rating link; NotFound for an unknown token."""
    unit = None
    if 0 < len(token) <= 64:
        unit = session.execute(select(Unit).where(Unit.rating_token == token)).scalar_one_or_none()
    if unit is None:
        raise NotFound(_("This rating link is not known. Please scan the QR code again."))
    return unit


def parse_level(raw: str | None) -> Level:
    """The level posted as 5 … 1; InvalidInput at `level` for anything else."""
    try:
        return Level(int((raw or "").strip()))
    except ValueError:
        message = _("Choose one of the five levels.")
        raise InvalidInput(message, details=[{"path": "level", "message": message}]) from None


def _plain(text: str) -> str:
    """The text without control characters (PostgreSQL refuses NUL), trimmed."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return "".join(kept).strip()


def _checked(form: RatingInput, rules: RatingRules) -> tuple[Level, str, str]:
    problems = []
    try:
        level = parse_level(form.level)
    except InvalidInput as error:
        problems.extend(error.details)
        level = Level.FAIRLY_SATISFIED
    comment, contact = _plain(form.comment), _plain(form.contact)
    if len(comment) > rules.comment_max:
        message = _("The comment may have at most %(n)d characters.", n=rules.comment_max)
        problems.append({"path": "comment", "message": message})
    if len(contact) > rules.contact_max:
        message = _("The contact may have at most %(n)d characters.", n=rules.contact_max)
        problems.append({"path": "contact", "message": message})
    if problems:
        raise InvalidInput(problems[0]["message"], details=problems)
    return level, comment, contact


def rated_today(session: Session, unit: Unit, device_hash: str, now: datetime) -> bool:
    """Whether this device has already rated the unit on today's (Asia/Shanghai) date."""
    found = session.execute(
        select(DailyRating.id).where(
            DailyRating.unit_id == unit.id,
            DailyRating.device_hash == device_hash,
            DailyRating.rated_on == local_date(now),
        )
    ).first()
    return found is not None


def submit_rating(
    session: Session,
    *,
    unit: Unit,
    rater: Rater,
    form: RatingInput,
    rules: RatingRules,
    now: datetime,
) -> DailyRating:
    """Store one rating: once per device, unit and day (Conflict otherwise). A burst from one
    address or device is flagged for moderation; a bad review with a comment opens a
    rectification for the unit."""
    level, comment, contact = _checked(form, rules)
    rating = DailyRating(
        unit_id=unit.id,
        year=local_date(now).year,
        level=int(level),
        comment=comment,
        contact=contact,
        channel=rater.channel,
        device_id=rater.device_id,
        device_hash=rater.device_hash,
        client_hash=rater.client_hash,
        rated_at=now,
        rated_on=local_date(now),
        moderation=Moderation.PENDING if comment else Moderation.VALID,
    )
    try:
        with session.begin_nested():  # the unique constraint keeps one per device and day
            session.add(rating)
    except IntegrityError:
        message = _("This device has already rated this agency today. Please come back tomorrow.")
        raise Conflict(message) from None
    _flag_burst(session, rating, rules, now)
    # A flagged bad review waits for the office to find it valid before the unit must act.
    if _needs_rectification(rating) and not rating.flagged:
        rating.rectification_instance_id = open_rectification(session, rating, unit, rules, now)
    return rating


def _needs_rectification(rating: DailyRating) -> bool:
    return (
        Level(rating.level).is_bad
        and bool(rating.comment)
        and rating.rectification_instance_id is None
    )


def _flag_burst(session: Session, rating: DailyRating, rules: RatingRules, now: datetime) -> None:
    """Many ratings of one unit from one address or device within minutes: flag them all for
    moderation (they keep counting until the office invalidates them)."""
    burst = (
        session.execute(
            select(DailyRating).where(
                DailyRating.unit_id == rating.unit_id,
                DailyRating.rated_at > now - rules.burst_window,
                or_(
                    DailyRating.client_hash == rating.client_hash,
                    DailyRating.device_hash == rating.device_hash,
                ),
            )
        )
        .scalars()
        .all()
    )
    if len(burst) < rules.burst_count:
        return
    reason = _(
        "%(n)d ratings of this agency from one address or device within %(m)d minutes",
        n=len(burst),
        m=int(rules.burst_window.total_seconds() // 60),
    )[:200]
    newly_flagged = [r for r in burst if not r.flagged]
    for flagged in newly_flagged:
        flagged.flagged, flagged.flag_reason = True, reason
        if flagged.moderation is Moderation.VALID:
            flagged.moderation = Moderation.PENDING
    record(
        session,
        actor=RATINGS_ACTOR,
        action="rating.flag",
        object_type="unit",
        object_id=rating.unit_id,
        after={"ratings": sorted(r.id for r in newly_flagged), "reason": reason},
        now=now,
    )


def open_rectification(
    session: Session, rating: DailyRating, unit: Unit, rules: RatingRules, now: datetime
) -> int | None:
    """Start the unit's rectification of a bad review; the rating is kept even if that fails
    (e.g. the procedure is not deployed yet), and the failure is logged for the office."""
    data = {
        "year": rating.year,
        "kind": "bad_review",
        "subject": f"{Level(rating.level).name_zh}：{rating.comment}",
        "workdays": rules.rectification_workdays,
        "rating_id": rating.id,
    }
    try:
        with session.begin_nested():
            instance = start_instance(
                session,
                actor=RATINGS_ACTOR,
                key=RECTIFICATION_KEY,
                unit_code=unit.code,
                data=data,
                now=now,
            )
    except DomainError as error:
        log.warning("rating %s: rectification not started: %s", rating.id, error.message)
        return None
    return instance.id


def moderate(
    session: Session,
    *,
    actor: Actor,
    rating_id: int,
    valid: bool,
    reason: str,
    now: datetime,
    rules: RatingRules | None = None,
) -> DailyRating:
    """Mark a rating valid, or invalid with a reason: an invalid one stops counting, and stays.
    A flagged bad review found valid opens its rectification then."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    rating = session.get(DailyRating, rating_id)
    if rating is None:
        raise NotFound(_("No such rating."))
    reason = reason.strip()
    if not valid and not reason:
        message = _("Give the reason why the rating is invalid.")
        raise InvalidInput(message, details=[{"path": "reason", "message": message}])
    before = {"moderation": rating.moderation, "reason": rating.moderation_reason}
    rating.moderation = Moderation.VALID if valid else Moderation.INVALID
    rating.moderation_reason = reason[:2000]
    rating.moderated_by_id = actor.user_id
    rating.moderated_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action="rating.moderate",
        object_type="daily_rating",
        object_id=rating.id,
        before=before,
        after={"moderation": rating.moderation, "reason": rating.moderation_reason},
        now=now,
    )
    if valid and _needs_rectification(rating):
        unit = session.get(Unit, rating.unit_id)
        assert unit is not None
        rating.rectification_instance_id = open_rectification(
            session, rating, unit, rules or RatingRules(), now
        )
    return rating


def mark_returned_to_rater(
    session: Session, *, actor: Actor, rating_id: int, now: datetime
) -> bool:
    """The unit's accepted reply goes back to a rater who left a contact; True if one did."""
    rating = session.get(DailyRating, rating_id)
    if rating is None or not rating.contact or rating.returned_to_rater_at is not None:
        return False
    rating.returned_to_rater_at = now
    record(
        session,
        actor=actor,
        action="rating.returned_to_rater",
        object_type="daily_rating",
        object_id=rating.id,
        after={"returned_to_rater_at": now},
        now=now,
    )
    return True


def issue_device_key(
    session: Session, *, actor: Actor, name: str, now: datetime
) -> tuple[RatingDevice, str]:
    """Register a service-desk device; returns it and its key, shown this once only."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    name = name.strip()
    if not name or len(name) > 120:
        message = _("Name the device (at most 120 characters).")
        raise InvalidInput(message, details=[{"path": "name", "message": message}])
    key = secrets.token_urlsafe(32)
    device = RatingDevice(
        name=name, key_hash=device_key_hash(key), issued_by_id=actor.user_id, issued_at=now
    )
    session.add(device)
    session.flush()
    record(
        session,
        actor=actor,
        action="rating_device.issue",
        object_type="rating_device",
        object_id=device.id,
        after={"name": name},
        now=now,
    )
    return device, key


def withdraw_device(session: Session, *, actor: Actor, device_id: int, now: datetime) -> None:
    """Withdraw a service-desk device: its key is refused from now on; its ratings stay."""
    if not actor.is_system:
        require(actor, Permission.RUN_CYCLE)
    device = session.get(RatingDevice, device_id)
    if device is None:
        raise NotFound(_("No such rating device."))
    if device.revoked_at is not None:
        return
    device.revoked_at = now
    record(
        session,
        actor=actor,
        action="rating_device.withdraw",
        object_type="rating_device",
        object_id=device.id,
        before={"revoked_at": None},
        after={"revoked_at": now},
        now=now,
    )


def device_for_key(session: Session, key: str) -> RatingDevice | None:
    """The active device holding `key`, if any."""
    if not key or len(key) > 200:
        return None
    return session.execute(
        select(RatingDevice).where(
            RatingDevice.key_hash == device_key_hash(key), RatingDevice.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
