"""The demo year's year-end evaluations: `leadership` owned by dept1, the `evaluations` procedure
open (leader1, group1 and dept1 each have their task), two leaders' sheets submitted (their tasks
done), two partly entered, and part of the leadership item filled in. Idempotent: nothing is
added once the year's procedure exists."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.services import actor_for
from app.evaluations.departments import ItemEntry, assign_item, save_item
from app.evaluations.grid import GridEntry
from app.evaluations.models import DepartmentItem, ItemOwner, SheetKind
from app.evaluations.procedure import save_sheet
from app.org.demo import DEMO_YEAR
from app.org.services import memberships
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessDefinition, ProcessInstance

KEY = "evaluations"


def _actor(session: Session, username: str) -> Actor:
    return actor_for(session.execute(select(User).where(User.username == username)).scalar_one())


def _score(index: int, spread: int) -> str:
    return str(Decimal(80 + (index * 7) % spread))


def load_evaluations_demo(session: Session, *, bpmn_dir: Path, now: datetime) -> int:
    """Open the demo year's evaluations; returns 1 if it was added, 0 if it was there."""
    started = session.execute(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == KEY, ProcessInstance.year == DEMO_YEAR
        )
    ).first()
    if started:
        return 0
    office = _actor(session, "office1")
    if session.get(ItemOwner, DepartmentItem.LEADERSHIP) is None:
        assign_item(
            session, actor=office, item=DepartmentItem.LEADERSHIP, username="dept1", now=now
        )
    if not session.execute(
        select(ProcessDefinition.id).where(ProcessDefinition.key == KEY)
    ).first():
        path = bpmn_dir / f"{KEY}.bpmn"
        deploy(
            session,
            actor=Actor.system("demo"),
            uploads=[Upload(path.name, path.read_bytes())],
            now=now,
        )
    start_instance(session, actor=office, key=KEY, data={"year": DEMO_YEAR}, now=now)
    codes = [m.unit.code for m in memberships(session, DEMO_YEAR)]
    for number, submit in ((2, True), (3, True), (4, False), (5, False)):
        entries = {
            code: GridEntry(_score(i + number, 20))
            for i, code in enumerate(codes)
            if submit or i % 3 == 0
        }
        if submit and codes:
            entries[codes[-1]] = GridEntry(abstain=True)
        save_sheet(
            session,
            actor=_actor(session, f"leader{number}"),
            year=DEMO_YEAR,
            kind=SheetKind.LEADER,
            entries=entries,
            submit=submit,
            now=now,
        )
    save_item(
        session,
        actor=_actor(session, "dept1"),
        year=DEMO_YEAR,
        item=DepartmentItem.LEADERSHIP,
        entries={code: ItemEntry(str(Decimal(12) + i % 4)) for i, code in enumerate(codes[:30])},
        now=now,
    )
    return 1
