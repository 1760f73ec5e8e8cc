"""Simulated people fill a task's form from its schema and data: every choice is one the form
declares, the rows are those the task's data holds, and the figures they type are recorded in
the province's `Truth` so the grades can be checked against them."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.calendar.workdays import local_date
from app.cycle.simulation.province import Province
from app.evaluations.models import DepartmentItem
from app.evidence.services import store_evidence
from app.workflow.definitions.forms import form_name
from app.workflow.models import HumanTask

PDF = b"%PDF-1.4\n% Jixiao simulation: a signed document\n%%EOF\n"
CENT = Decimal("0.01")

# A decision field: the usual answer, and the one that sends the work back.
DECISIONS = {
    "head_decision": ("approve", "return"),
    "leader_decision": ("approve", "return"),
    "consolidation": ("to_leader", "return"),
    "check_decision": ("accept", "return"),
    "recommendation": ("pass", "revise"),
}
RETURN_RATE = 0.08


def choices_of(schema: dict[str, Any]) -> list[Any]:
    """The values a property declares (enum or oneOf consts)."""
    if "enum" in schema:
        return list(schema["enum"])
    return [option["const"] for option in schema.get("oneOf", [])]


class FormFiller:
    """Fills forms for the simulation; one per run, seeded."""

    def __init__(self, province: Province, rng: random.Random) -> None:
        self.province, self.rng = province, rng
        self.group_returned = False
        self.special: dict[str, Callable[..., dict[str, Any]]] = {
            "indicator_draft": self._draft,
            "indicator_office_check": self._office_check,
            "progress_report": self._report,
            "verification_self_evaluation": self._self_evaluation,
            "verification_field_check": self._field_check,
            "verification_office": self._office_verification,
            "signoff_group_review": self._group_review,
            "signoff_meeting": self._meeting,
            "appeal_respond": self._respond,
            "appeal_office_review": self._appeal_review,
        }
        self.appealed: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------
    def evidence(self, session: Session, task: HumanTask, now: datetime) -> str:
        """A stored PDF for a document field."""
        stored = store_evidence(
            session,
            actor=self.province.actor("office1"),
            name="模拟材料.pdf",
            content=PDF,
            unit_id=task.instance.unit_id,
            instance_id=task.instance_id,
            now=now,
        )
        return str(stored.id)

    def completion(self, code: str, title: str) -> Decimal:
        """The unit's completion of an indicator, drawn once and kept."""
        known = self.province.truth.completions[code]
        if title not in known:
            known[title] = Decimal(self.rng.randint(60, 100)) / 100
        return known[title]

    # -- the generic filler ---------------------------------------------------------------
    def fill(
        self,
        session: Session,
        task: HumanTask,
        schema: dict[str, Any],
        data: dict[str, Any],
        now: datetime,
    ) -> dict[str, Any]:
        """The data the person submits for the task."""
        name = form_name(task.form or "").split(".")[0]
        special = self.special.get(name)
        if special is not None:
            return special(session, task, schema, data, now)
        return self.generic(session, task, schema, now)

    def generic(
        self, session: Session, task: HumanTask, schema: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """Required fields and decisions: the usual answer, sometimes a return."""
        filled: dict[str, Any] = {}
        required = set(schema.get("required", []))
        for key, prop in schema.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            options = choices_of(prop)
            usual, back = DECISIONS.get(key, (None, None))
            if usual in options and back in options:
                filled[key] = back if self.rng.random() < RETURN_RATE else usual
            elif options:
                filled[key] = options[0]
            elif key in required and ("document" in key or key == "evidence"):
                filled[key] = self.evidence(session, task, now)
            elif prop.get("type") == "boolean":
                filled[key] = True
            elif prop.get("type") == "string" and prop.get("format") == "date":
                filled[key] = local_date(now).isoformat()
            elif prop.get("type") == "string":
                filled[key] = "已按要求办理。"
            elif key in required and prop.get("type") in ("number", "integer"):
                filled[key] = prop.get("minimum", 0)
        return filled

    # -- forms with rows or people ----------------------------------------------------------
    def _draft(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        code = str(data.get("unit_code"))
        rows = [dict(row) for row in data.get("indicators") or []]
        if not rows:
            rows = [
                {
                    "kind": "duty",
                    "title": f"{code} 核心职能履职",
                    "target": "全面完成",
                    "measure": "年终核验",
                },
                {
                    "kind": "duty",
                    "title": f"{code} 服务质量提升",
                    "target": "满意度提升",
                    "measure": "社会评价",
                },
                {
                    "kind": "duty",
                    "title": f"{code} 依法行政",
                    "target": "无重大违法",
                    "measure": "核查",
                },
            ]
        share = 80 // len(rows)
        for index, row in enumerate(rows):
            row["weight"] = share + (80 - share * len(rows) if index == 0 else 0)
            self.province.truth.weights[code][row["title"]] = Decimal(row["weight"])
        return {"indicators": rows, "note": "按职能编制"}

    def _office_check(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        experts = choices_of(schema["properties"]["experts"]["items"])
        return {"office_decision": "review", "experts": experts[:1]}

    def _report(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        month = local_date(now).month
        entries = [
            {
                **row,
                "percent": min(100, month * 8 + self.rng.randint(0, 10)),
                "summary": "按计划推进",
            }
            for row in data.get("entries") or []
        ]
        return {"entries": entries}

    def _self_evaluation(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        code = str(data.get("unit_code"))
        entries = []
        for row in data.get("entries") or []:
            c = self.completion(code, row["title"])
            weight = Decimal(str(row.get("weight") or 0))
            entries.append(
                {
                    **row,
                    "completion": float(c * 100),
                    "self_score": float((weight * c).quantize(CENT, ROUND_HALF_UP)),
                    "explanation": "已按目标完成，佐证材料附后。",
                }
            )
        return {"entries": entries, "evidence": self.evidence(session, task, now)}

    def _field_check(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        code = str(data.get("unit_code"))
        findings = [
            {
                **row,
                "verified_completion": float(self.completion(code, row["title"])),
                "finding": "confirmed",
                "note": "现场核查属实",
            }
            for row in data.get("findings") or []
        ]
        return {"findings": findings}

    def _office_verification(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        code = str(data.get("unit_code"))
        rows = [
            {
                **row,
                "verified_completion": float(self.completion(code, row["title"])),
                "note": "核验属实",
            }
            for row in data.get("verifications") or []
        ]
        return {"verifications": rows, "verify_decision": "accept"}

    def _group_review(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        if not self.group_returned:  # one return at sign-off, as happens
            self.group_returned = True
            return {"group_decision": "return", "group_comment": "请核实并列单位的排序后重新报送。"}
        return {"group_decision": "approve", "group_comment": "同意"}

    def _meeting(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        return {
            "meeting_date": local_date(now).isoformat(),
            "meeting_decision": "approve",
            "meeting_comment": "",
            "minutes": "会议审议通过考核等次建议。",
            "minutes_document": self.evidence(session, task, now),
        }

    def _respond(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        # The first two units appeal, so that every run has some; then three in ten. A unit
        # whose head sent its appeal back files it again.
        code = str(data.get("unit_code"))
        if code not in self.appealed and len(self.appealed) >= 2 and self.rng.random() < 0.7:
            return {"response": "accept"}
        self.appealed.add(code)
        return {
            "response": "appeal",
            "appeal_text": "领导班子和领导干部年度考核结果为优秀，部门评价得分有误，请予复核。",
            "appeal_document": self.evidence(session, task, now),
        }

    def _appeal_review(
        self, session: Session, task: HumanTask, schema: Any, data: Any, now: datetime
    ) -> dict[str, Any]:
        """The office upholds the first appeal it reviews, correcting the unit's leadership item
        to full marks (recorded in `Truth.upheld`); it rejects the others."""
        code = str(data.get("unit_code"))
        rows = [dict(row) for row in data.get("corrections") or []]
        key, item = "departmental.leadership", DepartmentItem.LEADERSHIP
        row = next((r for r in rows if r.get("key") == key), None)
        if self.province.truth.upheld or row is None or Decimal(row["current"]) >= item.full_marks:
            return {
                "office_decision": "rejected",
                "reply": "经复核，原部门评价得分依据充分，维持原结果。",
            }
        row["corrected"] = str(item.full_marks)
        self.province.truth.upheld[code][item.value] = item.full_marks
        return {
            "office_decision": "upheld",
            "corrections": rows,
            "reply": "经复核，申诉成立，已更正部门评价得分并重新计分。",
        }
