"""Demo content: unit1's unit (FGW, approved in the indicators demo) has its year-end
verification open at the self-evaluation step, in unit1's inbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.auth.models import User
from app.auth.services import actor_for
from app.org.demo import DEMO_YEAR
from app.org.models import Unit
from app.verification.cycle import units_to_start
from app.verification.queries import PROCESS_KEY
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.instances.runtime import start_instance
from app.workflow.models import ProcessDefinition

DEMO_UNIT = "FGW"


def load_verification_demo(session: Session, *, bpmn_dir: Path, now: datetime) -> int:
    """Deploy the diagram if missing and start FGW's verification unless it has one open or
    done; how many procedures were started (0 or 1)."""
    deployed = session.execute(
        select(ProcessDefinition.id).where(ProcessDefinition.key == PROCESS_KEY).limit(1)
    ).first()
    if deployed is None:
        path = bpmn_dir / f"{PROCESS_KEY}.bpmn"
        deploy(
            session,
            actor=Actor.system("demo"),
            uploads=[Upload(path.name, path.read_bytes())],
            now=now,
        )
    if DEMO_UNIT not in {u.code for u in units_to_start(session, DEMO_YEAR)}:
        return 0
    office = session.execute(select(User).where(User.username == "office1")).scalar_one()
    unit = session.execute(select(Unit).where(Unit.code == DEMO_UNIT)).scalar_one()
    start_instance(
        session,
        actor=actor_for(office),
        key=PROCESS_KEY,
        unit_code=unit.code,
        data={"year": DEMO_YEAR},
        now=now,
    )
    return 1
