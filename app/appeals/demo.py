"""Demo content: the scored past year's results delivered to every unit, out for appeal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.appeals.delivery import APPEAL_PROCESS, deliver_results
from app.auth.actor import Actor
from app.scoring.demo import FINISHED_YEAR
from app.scoring.models import ScoreRun
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.models import ProcessDefinition

DEMO = Actor.system("demo")


def load_appeal_demo(
    session: Session, *, bpmn_dir: Path, now: datetime, year: int = FINISHED_YEAR
) -> int:
    """Deliver `year`'s latest score version to the units that lack it (none when no scores
    were computed); returns how many appeal procedures were started. Idempotent."""
    if session.execute(select(ScoreRun.id).where(ScoreRun.year == year).limit(1)).first():
        deployed = session.execute(
            select(ProcessDefinition.id).where(ProcessDefinition.key == APPEAL_PROCESS).limit(1)
        ).first()
        if deployed is None:
            path = bpmn_dir / f"{APPEAL_PROCESS}.bpmn"
            deploy(session, actor=DEMO, uploads=[Upload(path.name, path.read_bytes())], now=now)
        return len(deliver_results(session, DEMO, year, now).started)
    return 0
