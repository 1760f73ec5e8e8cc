"""The demo province: the 2026 year, its units, leaders and one account per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import create_user, grant_role
from app.org.demo_data import LEADERS, UNITS
from app.org.models import AssessmentYear, Unit, YearStatus
from app.org.services import UnitInput, ensure_year, save_unit

DEMO_YEAR = 2026


@dataclass(frozen=True)
class DemoAccount:
    """One demo sign-in: user name, name shown, role, and the index of its unit if any."""

    username: str
    display_name: str
    role: Role
    unit_index: int | None = None


ACCOUNTS = (
    DemoAccount("office1", "省绩效办 李晓华", Role.OFFICE_STAFF),
    DemoAccount("director1", "省绩效办主任 张国栋", Role.OFFICE_DIRECTOR),
    DemoAccount("unit1", "发改委绩效联络员 刘芳", Role.UNIT_STAFF, 0),
    DemoAccount("head1", "发改委主要负责人 陈建华", Role.UNIT_HEAD, 0),
    DemoAccount("unit2", "第二单位绩效联络员 杨帆", Role.UNIT_STAFF, 1),
    DemoAccount("head2", "第二单位主要负责人 何平", Role.UNIT_HEAD, 1),
    DemoAccount("expert1", "评审专家 周敏", Role.EXPERT),
    DemoAccount("expert2", "评审专家 吴磊", Role.EXPERT),
    DemoAccount("group1", "领导小组成员 徐志强", Role.LEADING_GROUP),
    DemoAccount("dept1", "考评部门 省委组织部 林静", Role.DEPT_ASSESSOR),
    DemoAccount("secretary1", "会议秘书 马丽", Role.COMMITTEE_SECRETARY),
    DemoAccount("owner1", "流程管理员 高远", Role.PROCESS_OWNER),
    DemoAccount("supervisor1", "督查专员 罗军", Role.SUPERVISOR),
    DemoAccount("sysadmin1", "系统管理员", Role.SYSADMIN),
    DemoAccount("secadmin1", "安全管理员", Role.SECADMIN),
    DemoAccount("auditor1", "安全审计员", Role.AUDITOR),
)


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` created (zero everywhere on a second run)."""

    units: int
    accounts: int


def database_is_empty(session: Session) -> bool:
    """True when no year and no user exists yet."""
    return (
        session.execute(select(AssessmentYear.year).limit(1)).first() is None
        and session.execute(select(User.id).limit(1)).first() is None
    )


def _demo_user(
    session: Session, username: str, display_name: str, password: str, now: datetime
) -> tuple[User, bool]:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is not None:
        return user, False
    user = create_user(
        session,
        actor=Actor.system("demo"),
        username=username,
        display_name=display_name,
        password=password,
        now=now,
        is_demo=True,
    )
    return user, True


def _grant_once(session: Session, user: User, role: Role, unit: Unit | None, now: datetime) -> None:
    unit_id = unit.id if unit else None
    if not any(g.role == role and g.unit_id == unit_id for g in user.grants):
        grant_role(session, actor=Actor.system("demo"), user=user, role=role, unit=unit, now=now)


def load_demo(session: Session, *, password: str, now: datetime) -> DemoSummary:
    """Create whatever of the demo province is missing; safe to run again."""
    actor = Actor.system("demo")
    year = ensure_year(session, DEMO_YEAR, actor=actor, now=now)
    year.status = YearStatus.ACTIVE
    new_accounts = 0
    leader_ids: dict[str, int] = {}
    for number, leader in enumerate(LEADERS, start=1):
        user, created = _demo_user(
            session, f"leader{number}", f"{leader.title_zh} {leader.name}", password, now
        )
        _grant_once(session, user, Role.PROVINCIAL_LEADER, None, now)
        leader_ids[leader.key] = user.id
        new_accounts += created
    existing = set(session.execute(select(Unit.code)).scalars())
    units: list[Unit] = []
    for demo_unit in UNITS:
        membership = save_unit(
            session,
            actor=actor,
            year=DEMO_YEAR,
            now=now,
            data=UnitInput(
                code=demo_unit.code,
                name_zh=demo_unit.name_zh,
                name_en=demo_unit.name_en,
                category=demo_unit.category,
                headcount=demo_unit.headcount,
                leader_id=leader_ids[demo_unit.leader_key],
            ),
        )
        units.append(membership.unit)
    for account in ACCOUNTS:
        user, created = _demo_user(session, account.username, account.display_name, password, now)
        unit = units[account.unit_index] if account.unit_index is not None else None
        _grant_once(session, user, account.role, unit, now)
        new_accounts += created
    return DemoSummary(units=len({u.code for u in units} - existing), accounts=new_accounts)
