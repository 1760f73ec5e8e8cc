"""The demo year's public ratings: a year of them for every demo unit, with a realistic spread,
comments, a flagged burst, some invalidated with reasons, and a bad review whose rectification
waits in `unit1`'s inbox. Written in bulk; the bad review goes through the real service."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.calendar.workdays import local_date
from app.evaluations.ratings.models import Channel, DailyRating, Moderation
from app.evaluations.ratings.rules import RatingRules
from app.evaluations.ratings.services import RECTIFICATION_KEY, Rater, RatingInput, submit_rating
from app.org.demo import DEMO_YEAR
from app.org.services import memberships
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.models import ProcessDefinition

# Level weights from best to worst: most agencies rate well, some draw complaints.
SPREAD = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
PRAISE = ("办事效率高，一次办好", "窗口人员热情耐心", "材料一次性告知，很方便", "网上预约很顺利")
COMPLAINTS = ("排队时间太长", "材料要求前后不一致", "工作人员态度冷淡", "电话一直没人接")
SPAM = ("代办各类证件，加微信", "广告：低价出售发票")
BAD_REVIEW = "窗口工作人员推诿，跑了三次还没办成"


@dataclass(frozen=True)
class DemoRatings:
    """What the demo added."""

    ratings: int
    rectifications: int


def _hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _row(
    rng: random.Random, unit_id: int, at: datetime, level: int, comment: str
) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "year": DEMO_YEAR,
        "level": level,
        "comment": comment,
        "contact": "",
        "channel": Channel.DESK if rng.random() < 0.2 else Channel.QR,
        "device_hash": _hash(rng),
        "client_hash": _hash(rng),
        "rated_at": at,
        "rated_on": local_date(at),
        "flagged": False,
        "flag_reason": "",
        "moderation": Moderation.VALID,
        "moderation_reason": "",
    }


def _year_of_ratings(
    rng: random.Random, unit_id: int, count: int, until: datetime
) -> list[dict[str, Any]]:
    start = datetime(DEMO_YEAR, 1, 2, 1, 0, tzinfo=UTC)
    span = max(int((until - start).total_seconds()), 1)
    rows = []
    for _ in range(count):
        at = start + timedelta(seconds=rng.randrange(span))
        level = rng.choice(SPREAD)
        comment = ""
        if rng.random() < 0.15:
            comment = rng.choice(PRAISE if level >= 4 else COMPLAINTS)
        rows.append(_row(rng, unit_id, at, level, comment))
    return rows


def _burst(rng: random.Random, unit_id: int, at: datetime) -> list[dict[str, Any]]:
    """Seven 非常满意 from one address in six minutes: flagged, waiting for the office."""
    client = _hash(rng)
    rows = []
    for minute in range(7):
        row = _row(rng, unit_id, at + timedelta(minutes=minute), 5, "")
        row.update(
            client_hash=client,
            flagged=True,
            flag_reason="同一地址或设备在 10 分钟内对本单位评价 7 次",
            moderation=Moderation.PENDING,
        )
        rows.append(row)
    return rows


def _spam(
    rng: random.Random, unit_id: int, at: datetime, office_id: int | None
) -> list[dict[str, Any]]:
    rows = []
    for index, comment in enumerate(SPAM):
        row = _row(rng, unit_id, at + timedelta(days=index), 1, comment)
        row.update(
            moderation=Moderation.INVALID,
            moderation_reason="广告信息，与服务评价无关",
            moderated_by_id=office_id,
            moderated_at=at + timedelta(days=index, hours=3),
        )
        rows.append(row)
    return rows


def _ensure_rectification_deployed(session: Session, bpmn_dir: Path, now: datetime) -> None:
    found = session.execute(
        select(ProcessDefinition.id).where(ProcessDefinition.key == RECTIFICATION_KEY).limit(1)
    ).first()
    if found is None:
        path = bpmn_dir / f"{RECTIFICATION_KEY}.bpmn"
        deploy(
            session,
            actor=Actor.system("demo"),
            uploads=[Upload(path.name, path.read_bytes())],
            now=now,
        )


def load_rating_demo(session: Session, *, bpmn_dir: Path, now: datetime) -> DemoRatings:
    """Add the demo year's ratings unless the year has some already."""
    if session.execute(
        select(DailyRating.id).where(DailyRating.year == DEMO_YEAR).limit(1)
    ).first():
        return DemoRatings(0, 0)
    rng = random.Random(DEMO_YEAR)  # the same demo every time  # noqa: S311
    until = min(now, datetime(DEMO_YEAR, 12, 31, 15, 0, tzinfo=UTC)) - timedelta(hours=1)
    office_id = session.execute(select(User.id).where(User.username == "office1")).scalar()
    units = [m.unit for m in memberships(session, DEMO_YEAR)]
    rows: list[dict[str, Any]] = []
    for index, unit in enumerate(units):
        # A few agencies stay under the 30 valid ratings D needs.
        count = rng.randrange(8, 25) if index % 9 == 4 else rng.randrange(35, 90)
        rows.extend(_year_of_ratings(rng, unit.id, count, until))
    if len(units) > 2:
        rows.extend(_burst(rng, units[2].id, until - timedelta(days=3)))
        rows.extend(_spam(rng, units[1].id, until - timedelta(days=20), office_id))
    if rows:
        session.execute(insert(DailyRating), rows)
    _ensure_rectification_deployed(session, bpmn_dir, now)
    first = next((u for u in units if u.code == "FGW"), None)
    rectifications = 0
    if first is not None:
        bad = submit_rating(
            session,
            unit=first,
            rater=Rater(_hash(rng), _hash(rng)),
            form=RatingInput(level="1", comment=BAD_REVIEW, contact="13900000000"),
            rules=RatingRules(),
            now=now,
        )
        rectifications = int(bad.rectification_instance_id is not None)
    return DemoRatings(len(rows) + 1, rectifications)
