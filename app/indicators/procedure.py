"""The steps of indicator setting (policy §15) that diagrams call.

The diagrams decide who acts and when (lanes, gateways, timers); these services only change
indicators, each change audited with the acting user. Problems a unit can fix (weights that do not
add up, an unknown indicator) come back as a list for the diagram to loop on; a call that breaks the
procedure itself (indicators already under review) raises.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.auth.models import RoleGrant, User
from app.auth.roles import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.indicators.models import (
    Indicator,
    IndicatorKind,
    IndicatorStatus,
    IndicatorVersion,
)
from app.indicators.queries import unit_indicators
from app.indicators.services import weight_problems

EDITABLE = (IndicatorStatus.DRAFT, IndicatorStatus.RETURNED)
DRAFT_FIELDS = ("title", "target", "measure", "weight")


def live_indicators(session: Session, year: int, unit_id: int) -> list[Indicator]:
    return [
        i
        for i in unit_indicators(session, year, unit_id)
        if i.status is not IndicatorStatus.CANCELLED
    ]


def draft_row(indicator: Indicator) -> dict[str, Any]:
    """An indicator as a row of the draft form's table."""
    version = indicator.current
    return {
        "id": indicator.id,
        "kind": indicator.kind.value,
        "title": version.title,
        "target": version.target,
        "measure": version.measure,
        "weight": float(version.weight),
        "milestones": milestones_text(version.milestones),
    }


MILESTONE_SEPARATORS = re.compile(r"[;；\n]+")


def milestones_text(milestones: list[dict[str, Any]]) -> str:
    """Milestones as the draft table shows them: one after another, separated by ；."""
    return "；".join(str(m.get("text", "")) for m in milestones if m.get("text"))


def parse_milestones(text: Any) -> list[dict[str, Any]]:
    """Milestones from the draft table's text (`6月底 完成立项；12月底 全面完成`)."""
    parts = MILESTONE_SEPARATORS.split(str(text or ""))
    return [{"text": part.strip()[:300]} for part in parts if part.strip()][:24]


def open_setting(
    session: Session, *, actor: Actor, unit_id: int, year: int, instance_id: int | None
) -> dict[str, Any]:
    """Tie the unit's draft indicators to the setting procedure: `indicators`, their rows for the
    draft form, and `state`: `open`, or `in_review` / `approved` when the year's indicators are
    already past drafting (the procedure then ends without touching them)."""
    indicators = live_indicators(session, year, unit_id)
    settled = {i.status for i in indicators} - set(EDITABLE)
    if settled:
        state = "in_review" if IndicatorStatus.IN_REVIEW in settled else "approved"
        return {"indicators": [], "state": state}
    for indicator in indicators:
        indicator.instance_id = instance_id
    record(
        session,
        actor=actor,
        action="indicators.setting_opened",
        object_type="unit",
        object_id=unit_id,
        after={"year": year, "instance_id": instance_id, "indicators": len(indicators)},
    )
    return {"indicators": [draft_row(i) for i in indicators], "state": "open"}


def parse_weight(value: Any) -> Decimal | None:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return weight if weight.is_finite() and weight >= 0 else None


def _apply_row(indicator: Indicator, row: dict[str, Any], problems: list[str]) -> None:
    version = indicator.current
    weight = parse_weight(row.get("weight", version.weight))
    if weight is None:
        problems.append(_("%(title)s: the weight is not a number.", title=version.title))
        return
    title = str(row.get("title") or version.title).strip()[:300]
    version.title = title
    version.target = str(row.get("target", version.target) or "")
    version.measure = str(row.get("measure", version.measure) or "")
    version.weight = weight.quantize(Decimal("0.01"))
    if "milestones" in row:
        version.milestones = parse_milestones(row["milestones"])


def _new_duty(
    session: Session, actor: Actor, unit_id: int, year: int, row: dict[str, Any]
) -> Indicator:
    indicator = Indicator(
        year=year,
        unit_id=unit_id,
        kind=IndicatorKind.DUTY,
        status=IndicatorStatus.DRAFT,
        current_version=1,
    )
    indicator.versions.append(
        IndicatorVersion(
            number=1,
            title=str(row["title"]).strip()[:300],
            source=_("Unit mandate (三定)"),
            target=str(row.get("target") or ""),
            measure=str(row.get("measure") or ""),
            weight=(parse_weight(row.get("weight")) or Decimal(0)).quantize(Decimal("0.01")),
            milestones=parse_milestones(row.get("milestones")),
            created_by_id=actor.user_id,
        )
    )
    session.add(indicator)
    return indicator


def save_drafts(
    session: Session, *, actor: Actor, unit_id: int, year: int, rows: Any
) -> dict[str, Any]:
    """Write the unit's draft table; returns the table as saved (`indicators`, new duties with
    their ids) and what still stops submission (`problems`, empty when nothing does: each
    `{path, message}`, about the table, so that the form shows it there).

    Rows with an `id` edit that indicator; rows without one add a duty; duties left out of the
    table are cancelled. Key tasks come from the catalogue and cannot be dropped.
    """
    if not isinstance(rows, list):
        rows = []
    indicators = {i.id: i for i in live_indicators(session, year, unit_id)}
    before = {i.id: draft_row(i) for i in indicators.values()}
    problems: list[str] = []
    kept: set[int] = set()
    for row in rows:
        if not isinstance(row, dict):
            continue
        known = indicators.get(row["id"]) if isinstance(row.get("id"), int) else None
        if row.get("id") is not None and known is None:
            problems.append(_("Indicator %(id)s is not one of this unit's.", id=row.get("id")))
        elif known is not None:
            if known.status not in EDITABLE:
                raise Conflict(_("%(title)s is not a draft.", title=known.current.title))
            _apply_row(known, row, problems)
            kept.add(known.id)
        elif str(row.get("title") or "").strip():
            _new_duty(session, actor, unit_id, year, row)
    for indicator in indicators.values():
        if indicator.kind is IndicatorKind.DUTY and indicator.id not in kept:
            indicator.status = IndicatorStatus.CANCELLED
    session.flush()
    live = live_indicators(session, year, unit_id)
    problems += weight_problems(live)
    reasons = [{"path": "indicators", "message": problem} for problem in problems]
    record(
        session,
        actor=actor,
        action="indicators.drafts_saved",
        object_type="unit",
        object_id=unit_id,
        before={"year": year, "indicators": list(before.values())},
        after={"year": year, "indicators": [draft_row(i) for i in live], "problems": problems},
    )
    return {"indicators": [draft_row(i) for i in live], "problems": reasons}


def set_setting_status(
    session: Session, *, actor: Actor, unit_id: int, year: int, status: IndicatorStatus
) -> int:
    """Move the unit's indicators along the setting procedure (in review, returned)."""
    if status not in (IndicatorStatus.IN_REVIEW, IndicatorStatus.RETURNED):
        raise InvalidInput(_("Setting moves indicators only to in review or returned."))
    indicators = live_indicators(session, year, unit_id)
    for indicator in indicators:
        if indicator.status is IndicatorStatus.APPROVED:
            raise Conflict(_("%(title)s is already approved.", title=indicator.current.title))
        if indicator.status is not status:
            record(
                session,
                actor=actor,
                action="indicators.status",
                object_type="indicator",
                object_id=indicator.id,
                before={"status": indicator.status.value},
                after={"status": status.value},
            )
            indicator.status = status
    return len(indicators)


def publish(session: Session, *, actor: Actor, unit_id: int, year: int, now: datetime) -> int:
    """Approve the unit's indicators and publish their current versions on the portal."""
    indicators = live_indicators(session, year, unit_id)
    if not indicators:
        raise NotFound(_("The unit has no indicators for %(year)d.", year=year))
    problems = weight_problems(indicators)
    if problems:
        raise InvalidInput(_("The indicators cannot be approved."), details=problems)
    for indicator in indicators:
        record(
            session,
            actor=actor,
            action="indicators.published",
            object_type="indicator",
            object_id=indicator.id,
            before={"status": indicator.status.value},
            after={"status": IndicatorStatus.APPROVED.value, "version": indicator.current_version},
            now=now,
        )
        indicator.status = IndicatorStatus.APPROVED
        indicator.current.published_at = now
        indicator.instance_id = None
    return len(indicators)


def version_row(version: IndicatorVersion) -> dict[str, Any]:
    """One version's content, as the audit trail records it."""
    return {
        "version": version.number,
        "title": version.title,
        "target": version.target,
        "measure": version.measure,
        "weight": str(version.weight),
    }


def expert_choices(session: Session) -> list[tuple[Any, str]]:
    """The experts the office may choose for a review: user name and display name."""
    rows = session.execute(
        select(User.username, User.display_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.EXPERT, User.is_active.is_(True))
        .order_by(User.username)
    ).all()
    return [(username, f"{name}（{username}）") for username, name in rows]


def draft_choices(session: Session, unit_id: int | None, year: int | None) -> list[tuple[Any, str]]:
    """The unit's own indicators of the year (cancelled ones left out): the ids a draft row
    may name; a row without an id adds a duty."""
    if unit_id is None or year is None:
        return []
    return titled_choices(live_indicators(session, year, unit_id))


def _kind_label(kind: IndicatorKind) -> str:
    return str(_("key task") if kind is IndicatorKind.KEY_TASK else _("duty"))


def titled_choices(indicators: list[Indicator]) -> list[tuple[Any, str]]:
    """Indicators as a select offers them: by name, never by an internal id; a name that repeats
    carries its kind, and a running number where the kind does not tell them apart."""
    titles = Counter(i.current.title for i in indicators)
    labels = [
        i.current.title
        if titles[i.current.title] == 1
        else f"{i.current.title}（{_kind_label(i.kind)}）"
        for i in indicators
    ]
    repeated, seen = Counter(labels), Counter[str]()
    choices: list[tuple[Any, str]] = []
    for indicator, label in zip(indicators, labels, strict=True):
        seen[label] += 1
        shown = label if repeated[label] == 1 else f"{label}（{seen[label]}）"
        choices.append((indicator.id, shown))
    return choices
