"""The demo year's indicators and progress (issue 5 §8): the sample key-task catalogue, indicators
in every state, reached by working the shipped procedures, and some months of checked progress.

Every step goes through the same services as real work: the setting and adjustment procedures
run their diagrams task by task, as the demo accounts (or, for units without a demo account, a
stand-in holding that unit's role, recorded in the audit trail as `demo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.actor import Actor, RoleScope
from app.auth.models import User
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.workdays import WorkdayCalendar
from app.evidence.services import store_evidence
from app.indicators.catalogue import import_catalogue, parse_catalogue
from app.indicators.models import Indicator, IndicatorKind, IndicatorStatus, KeyTask
from app.indicators.procedure import draft_row
from app.org.demo import DEMO_YEAR
from app.org.models import Unit
from app.progress import director, periods, proposals, reports
from app.workflow.definitions.deploy import deploy
from app.workflow.definitions.diagrams import Upload
from app.workflow.instances.runtime import start_instance
from app.workflow.models import HumanTask, HumanTaskState, ProcessDefinition
from app.workflow.tasks.assignment import can_work
from app.workflow.tasks.human_tasks import complete_task

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "key_tasks_2026.xlsx"
SHIPPED = ("indicator_setting", "indicator_adjustment", "progress_reporting")
DUTIES = {
    "FGW": ("依法履职和优化营商环境制度建设", "年度重点改革事项按期完成率100%"),
    "NYT": ("耕地保护和粮食安全责任制落实", "粮食播种面积保持稳定"),
    "GXT": ("工业领域安全生产和节能监察", "重大事故零发生"),
    "KJT": ("科技项目和资金监督管理", "专项资金审计问题整改率100%"),
}
PROGRESS = {"2026-08": 55, "2026-09": 65, "2026-10": 75}
DEMO_PDF = b"%PDF-1.4\n% Jixiao demo: written request for an indicator adjustment\n%%EOF\n"


@dataclass(frozen=True)
class DemoIndicators:
    """What the demo added."""

    key_tasks: int
    instances: int


class _Demo:
    """Works the procedures for the demo, as the right person for each step."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now, self.instances = session, now, 0

    def user(self, username: str) -> Actor:
        user = self.session.execute(select(User).where(User.username == username)).scalar_one()
        return actor_for(user)

    def unit(self, code: str) -> Unit:
        return self.session.execute(select(Unit).where(Unit.code == code)).scalar_one()

    def stand_in(self, code: str, role: Role) -> Actor:
        """A unit's staff or head where the demo has no account for that unit."""
        unit = self.unit(code)
        staff = {"FGW": {Role.UNIT_STAFF: "unit1", Role.UNIT_HEAD: "head1"}}.get(code, {})
        if role in staff:
            return self.user(staff[role])
        return Actor(None, "demo", frozenset({RoleScope(role, unit.id)}))

    def start(self, key: str, code: str, data: dict[str, Any]) -> int:
        office = self.user("office1")
        instance = start_instance(
            self.session, actor=office, key=key, unit_code=code, data=data, now=self.now
        )
        self.instances += 1
        return instance.id

    def work(self, instance_id: int, spec_id: str, actor: Actor, **data: Any) -> None:
        ready = self.session.execute(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id,
                HumanTask.spec_id == spec_id,
                HumanTask.state == HumanTaskState.READY,
            )
        ).scalars()
        task = next(t for t in ready if can_work(actor, t))
        complete_task(self.session, actor=actor, task_id=task.id, data=data, now=self.now)

    def drafts(self, code: str) -> list[dict[str, Any]]:
        """The unit's drafts plus one duty, weighted to 80."""
        indicators = self.session.execute(
            select(Indicator)
            .where(Indicator.unit_id == self.unit(code).id, Indicator.year == DEMO_YEAR)
            .order_by(Indicator.id)
        ).scalars()
        rows = [draft_row(i) for i in indicators]
        title, target = DUTIES[code]
        rows.append({"kind": "duty", "title": title, "target": target, "measure": "年终核验"})
        share = (Decimal(60) / (len(rows) - 1)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        for row in rows[:-1]:
            row["weight"] = float(share)
        rows[-2]["weight"] = float(Decimal(60) - share * (len(rows) - 2))
        rows[-1]["weight"] = 20
        return rows

    def setting(self, code: str, leader: str, *, until: str) -> int:
        """Work the unit's indicator setting up to the step `until` (or `published`)."""
        staff, head = self.stand_in(code, Role.UNIT_STAFF), self.stand_in(code, Role.UNIT_HEAD)
        office = self.user("office1")
        instance = self.start("indicator_setting", code, {"year": DEMO_YEAR})
        if until == "draft":
            return instance
        self.work(
            instance, "draft", staff, indicators=self.drafts(code), note="按重点工作任务分解编制"
        )
        self.work(
            instance,
            "head_signoff",
            head,
            signed=True,
            head_decision="approve",
            head_comment="同意报送",
        )
        if until == "office_check":
            return instance
        self.work(
            instance,
            "office_check",
            office,
            office_decision="review",
            experts=["expert1", "expert2"],
        )
        self.work(
            instance,
            "expert_review",
            self.user("expert1"),
            opinion="指标与年度重点工作衔接紧密，建议细化衡量标准。",
            recommendation="revise",
        )
        self.work(
            instance,
            "expert_review",
            self.user("expert2"),
            opinion="目标值设置合理。",
            recommendation="pass",
        )
        if until == "returned":
            self.work(
                instance,
                "consolidate",
                office,
                consolidation="return",
                consolidation_comment="请按专家意见细化各项指标的衡量标准。",
            )
            return instance
        self.work(
            instance,
            "consolidate",
            office,
            consolidation="to_leader",
            consolidation_comment="专家意见已吸收，建议审定。",
        )
        self.work(
            instance,
            "leader_approval",
            self.user(leader),
            leader_decision="approve",
            leader_comment="同意",
        )
        return instance

    def adjustment(self, code: str, leader: str) -> None:
        """The unit's duty gets a new target with its leader's consent (§16)."""
        duty = self.session.execute(
            select(Indicator).where(
                Indicator.unit_id == self.unit(code).id,
                Indicator.kind == IndicatorKind.DUTY,
                Indicator.status == IndicatorStatus.APPROVED,
            )
        ).scalar_one()
        staff = self.stand_in(code, Role.UNIT_STAFF)
        instance = self.start("indicator_adjustment", code, {"year": DEMO_YEAR})
        document = store_evidence(
            self.session,
            actor=staff,
            name="关于调整绩效指标的请示.pdf",
            content=DEMO_PDF,
            unit_id=self.unit(code).id,
            instance_id=instance,
            now=self.now,
        )
        self.work(
            instance,
            "request",
            staff,
            indicator_id=duty.id,
            target=f"{duty.current.target}；新增营商环境评价整改事项",
            reason="根据省政府第12次常务会议新部署，需增加整改事项。",
            document=document.id,
        )
        head = self.stand_in(code, Role.UNIT_HEAD)
        self.work(instance, "head_sign", head, signed=True, head_decision="approve")
        self.work(instance, "leader_decision", self.user(leader), leader_decision="consent")

    def progress(self, code: str) -> None:
        """Checked reports for the months in PROGRESS, percent rising month by month."""
        unit, staff, office = (
            self.unit(code),
            self.stand_in(code, Role.UNIT_STAFF),
            self.user("office1"),
        )
        for period, percent in PROGRESS.items():
            due = WorkdayCalendar().workday_deadline(periods.period_end(period), 5)
            opened = reports.open_report(
                self.session,
                actor=staff,
                unit_id=unit.id,
                year=DEMO_YEAR,
                period=period,
                due_at=due,
                instance_id=None,
            )
            entries = [
                {**r, "percent": percent, "summary": f"{period} 按计划推进"}
                for r in opened["entries"]
            ]
            reports.submit_report(
                self.session,
                actor=staff,
                unit_id=unit.id,
                period=period,
                rows=entries,
                evidence_ids=[],
                now=self.now,
            )
            reports.check_report(
                self.session,
                actor=office,
                unit_id=unit.id,
                period=period,
                accept=True,
                comment="",
                now=self.now,
            )

    def current_report(self, code: str) -> None:
        """Last month's report, started as the monthly timer would (open in the unit's inbox)."""
        cycle = periods.cycle_of(None, self.now)
        if cycle["year"] == DEMO_YEAR:
            self.start("progress_reporting", code, {"year": DEMO_YEAR, "period": cycle["period"]})

    def proposals(self) -> None:
        """A missing report proposed for NYT, a late one confirmed for FGW."""
        office = self.user("office1")
        nyt = self.unit("NYT")
        reports.open_report(
            self.session,
            actor=office,
            unit_id=nyt.id,
            year=DEMO_YEAR,
            period="2026-07",
            due_at=None,
            instance_id=None,
        )
        reports.record_missing(
            self.session, actor=office, unit_id=nyt.id, period="2026-07", now=self.now
        )
        late = proposals.propose(
            self.session,
            actor=office,
            year=DEMO_YEAR,
            unit_id=self.unit("FGW").id,
            rule_code="late_report",
            source_key="demo:FGW:2026-08",
            source={"period": "2026-08"},
            now=self.now,
        )
        if late is not None:
            proposals.decide(
                self.session,
                actor=office,
                proposal_id=late.id,
                confirm=True,
                reason="8月进展报告晚报2个工作日，情况属实。",
                now=self.now,
            )
            director.review(
                self.session,
                actor=self.user("director1"),
                proposal_id=late.id,
                approve=True,
                reason="同意扣分。",
                now=self.now,
            )


def _deploy_shipped(session: Session, bpmn_dir: Path, now: datetime) -> None:
    deployed = set(
        session.execute(
            select(ProcessDefinition.key).where(ProcessDefinition.key.in_(SHIPPED))
        ).scalars()
    )
    if deployed != set(SHIPPED):
        uploads = [Upload(p.name, p.read_bytes()) for p in sorted(bpmn_dir.glob("*.bpmn"))]
        deploy(session, actor=Actor.system("demo"), uploads=uploads, now=now)


def load_indicator_demo(session: Session, *, bpmn_dir: Path, now: datetime) -> DemoIndicators:
    """Add the demo year's indicators and progress unless its catalogue is already there."""
    if session.execute(select(KeyTask.id).where(KeyTask.year == DEMO_YEAR).limit(1)).first():
        return DemoIndicators(0, 0)
    _deploy_shipped(session, bpmn_dir, now)
    rows = parse_catalogue(session, SAMPLE.read_bytes(), DEMO_YEAR)
    import_catalogue(session, actor=Actor.system("demo"), year=DEMO_YEAR, rows=rows, now=now)
    demo = _Demo(session, now)
    demo.setting("FGW", "leader1", until="published")
    demo.adjustment("FGW", "leader1")
    demo.setting("NYT", "leader7", until="published")
    demo.setting("GXT", "leader4", until="office_check")
    demo.setting("KJT", "leader4", until="returned")
    demo.setting("SWT", "leader4", until="draft")
    demo.progress("FGW")
    demo.progress("NYT")
    demo.current_report("FGW")  # in unit1's inbox
    demo.current_report("NYT")
    demo.start("indicator_adjustment", "FGW", {"year": DEMO_YEAR})  # unit1 is writing a request
    demo.proposals()
    return DemoIndicators(len(rows), demo.instances)
