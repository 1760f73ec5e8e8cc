"""The simulated province: N units in two categories, their staff and heads, leaders in charge,
the office, experts, the leading group, the departments, the diagrams deployed; and what the
simulation generated, kept to check the grades against (`Truth`)."""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for, create_user, grant_role
from app.evaluations.departments import assign_item
from app.evaluations.models import DepartmentItem
from app.org.models import Unit
from app.org.services import UnitInput, ensure_year, save_unit
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload

SYSTEM = Actor.system("simulation")
CATEGORIES = ("economic", "law_enforcement")
BPMN_DIR = Path(__file__).resolve().parents[3] / "bpmn"
LEADERS = 3
GROUP_MEMBERS = 2


@dataclass
class Truth:
    """The inputs the simulated people generated, per unit code, as they entered them."""

    categories: dict[str, str] = field(default_factory=dict)
    headcounts: dict[str, int] = field(default_factory=dict)
    weights: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    completions: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    leaders: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    group: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    departmental: dict[str, dict[str, tuple[Decimal, Decimal]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    daily: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    yearend: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    late_reports: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # A departmental item's actual score an upheld appeal corrected (unit code → item → value).
    upheld: dict[str, dict[str, Decimal]] = field(default_factory=lambda: defaultdict(dict))


@dataclass
class Province:
    """Who is who in the simulated province."""

    year: int
    units: list[Unit]
    actors: dict[str, Actor]
    truth: Truth = field(default_factory=Truth)

    def actor(self, username: str) -> Actor:
        """The account's actor, by user name."""
        return self.actors[username]


def _person(
    session: Session, username: str, roles: list[tuple[Role, Unit | None]], now: datetime
) -> User:
    user = create_user(
        session,
        actor=SYSTEM,
        username=username,
        display_name=username,
        password=f"Sim-{secrets.token_hex(12)}",
        now=now,
    )
    for role, unit in roles:
        grant_role(session, actor=SYSTEM, user=user, role=role, unit=unit, now=now)
    return user


def seed_province(session: Session, *, units: int, year: int, seed: int, now: datetime) -> Province:
    """Accounts, units and the shipped diagrams; departmental items given to `dept1`."""
    rng = random.Random(seed)  # noqa: S311 - simulated data, not security
    ensure_year(session, year, actor=SYSTEM, now=now)
    users = [
        _person(session, "office1", [(Role.OFFICE_STAFF, None)], now),
        _person(session, "director1", [(Role.OFFICE_DIRECTOR, None)], now),
        _person(session, "expert1", [(Role.EXPERT, None)], now),
        _person(session, "dept1", [(Role.DEPT_ASSESSOR, None)], now),
        _person(session, "secretary1", [(Role.COMMITTEE_SECRETARY, None)], now),
    ]
    users += [_person(session, f"group{n}", [(Role.LEADING_GROUP, None)], now) for n in (1, 2)]
    leaders = [
        _person(session, f"leader{n}", [(Role.PROVINCIAL_LEADER, None)], now)
        for n in range(1, LEADERS + 1)
    ]
    users += leaders
    made: list[Unit] = []
    truth = Truth()
    for number in range(1, units + 1):
        code = f"U{number:03d}"
        category = CATEGORIES[(number - 1) % len(CATEGORIES)]
        headcount = rng.randint(40, 300)
        membership = save_unit(
            session,
            actor=SYSTEM,
            year=year,
            now=now,
            data=UnitInput(
                code=code,
                name_zh=f"模拟单位{number:03d}",
                name_en=f"Simulated unit {number}",
                category=category,
                headcount=headcount,
                leader_id=leaders[(number - 1) % len(leaders)].id,
            ),
        )
        unit = membership.unit
        made.append(unit)
        truth.categories[code], truth.headcounts[code] = category, headcount
        users.append(_person(session, f"staff_{code}", [(Role.UNIT_STAFF, unit)], now))
        users.append(_person(session, f"head_{code}", [(Role.UNIT_HEAD, unit)], now))
    session.flush()
    uploads = [Upload(p.name, p.read_bytes()) for p in sorted(BPMN_DIR.glob("*.bpmn"))]
    deploy(session, actor=SYSTEM, uploads=uploads, now=now)
    office = actor_for(users[0])
    for item in DepartmentItem:
        assign_item(session, actor=office, item=item, username="dept1", now=now)
    actors = {user.username: actor_for(user) for user in users}
    return Province(year, made, actors, truth)
