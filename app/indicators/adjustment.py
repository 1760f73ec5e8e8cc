"""Adjustment of approved indicators (policy §16), the steps its diagram calls.

A request names one indicator and either changes its content or cancels it, and may rebalance the
weights of all the unit's approved indicators at once (they must still add up to 80; a cancelled
indicator leaves the total, SPEC §8). Nothing changes until the leader in charge consents; then
each changed indicator gets a new, published version and the old ones stay as its history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit.services import record
from app.auth.actor import Actor
from app.errors import InvalidInput, NotFound
from app.evidence.models import EvidenceFile
from app.indicators.models import Indicator, IndicatorStatus, IndicatorVersion
from app.indicators.procedure import (
    draft_row,
    live_indicators,
    parse_weight,
    titled_choices,
    version_row,
)
from app.indicators.services import TOTAL_WEIGHT

CHANGE, CANCEL = "change", "cancel"
CONTENT_FIELDS = ("title", "target", "measure")


@dataclass(frozen=True)
class AdjustmentRequest:
    """What a unit asks to change, why, and the written request.

    `weights` maps indicator ids to their requested weights (a row left blank keeps its weight).
    """

    indicator_id: Any
    action: str
    title: str | None
    target: str | None
    measure: str | None
    reason: str
    document_id: str | None
    weights: dict[Any, Any] = field(default_factory=dict)


def weight_rows(indicators: list[Indicator]) -> list[dict[str, Any]]:
    """The approved indicators as the request form's weight table, pre-filled."""
    return [
        {"id": i.id, "title": i.current.title, "weight": float(i.current.weight)}
        for i in indicators
    ]


def approved(session: Session, unit_id: int, year: int) -> list[Indicator]:
    """The unit's approved indicators of the year."""
    return [
        i for i in live_indicators(session, year, unit_id) if i.status is IndicatorStatus.APPROVED
    ]


def open_adjustment(session: Session, *, unit_id: int, year: int) -> list[dict[str, Any]]:
    """The weight table a new request starts from."""
    return weight_rows(approved(session, unit_id, year))


def _target(session: Session, indicator_id: Any, unit_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id) if isinstance(indicator_id, int) else None
    if indicator is None or indicator.unit_id != unit_id:
        raise NotFound(_("Indicator %(id)s is not one of this unit's.", id=indicator_id))
    return indicator


def _problem(path: str, message: str) -> dict[str, str]:
    """A reason the request goes back, for the form field it is about."""
    return {"path": path, "message": message}


def _new_weights(
    indicators: list[Indicator], request: AdjustmentRequest, problems: list[dict[str, str]]
) -> dict[int, Decimal]:
    """Each indicator's weight after the request (the cancelled one left out)."""
    known = {i.id: i for i in indicators}
    result: dict[int, Decimal] = {}
    for indicator_id in request.weights:
        if indicator_id not in known:
            message = _("Indicator %(id)s is not one of this unit's.", id=indicator_id)
            problems.append(_problem("weights", message))
    for indicator in indicators:
        if request.action == CANCEL and indicator.id == request.indicator_id:
            continue
        asked = request.weights.get(indicator.id)
        weight = indicator.current.weight if asked is None else parse_weight(asked)
        if weight is None:
            message = _("%(title)s: the weight is not a number.", title=indicator.current.title)
            problems.append(_problem("weights", message))
            weight = indicator.current.weight
        result[indicator.id] = weight.quantize(Decimal("0.01"))
    total = sum(result.values(), Decimal(0))
    if total != TOTAL_WEIGHT:
        message = _("The weights would add up to %(t)s, not %(n)s.", t=total, n=TOTAL_WEIGHT)
        problems.append(_problem("weights", message))
    return result


def _content_changes(indicator: Indicator, request: AdjustmentRequest) -> dict[str, str]:
    if request.action == CANCEL:
        return {}
    current = version_row(indicator.current)
    return {
        name: str(value).strip()
        for name in CONTENT_FIELDS
        if (value := getattr(request, name)) is not None
        and str(value).strip()
        and str(value).strip() != current[name]
    }


@dataclass
class _Plan:
    indicator: Indicator
    content: dict[str, str]
    weights: dict[int, Decimal]
    problems: list[dict[str, str]]


def _plan(session: Session, unit_id: int, request: AdjustmentRequest) -> _Plan:
    indicator = _target(session, request.indicator_id, unit_id)
    problems: list[dict[str, str]] = []
    if indicator.status is not IndicatorStatus.APPROVED:
        message = _("Only approved indicators are adjusted; this one is not approved yet.")
        problems.append(_problem("indicator_id", message))
    if request.action not in (CHANGE, CANCEL):
        message = _("Choose whether the indicator is changed or cancelled.")
        problems.append(_problem("action", message))
    if not request.reason.strip():
        problems.append(_problem("reason", _("Give the reason for the adjustment.")))
    if not request.document_id:
        problems.append(_problem("document", _("Upload the written request.")))
    indicators = approved(session, unit_id, indicator.year)
    weights = _new_weights(indicators, request, problems)
    content = _content_changes(indicator, request)
    reweighted = any(weights[i.id] != i.current.weight for i in indicators if i.id in weights)
    if request.action == CHANGE and not content and not reweighted:
        message = _("The request changes nothing: give new content or new weights.")
        problems.append(_problem("", message))
    return _Plan(indicator, content, weights, problems)


def _field_label(name: str) -> str:
    labels = {"title": _("Indicator name"), "target": _("Target value"), "measure": _("Measure")}
    return str(labels[name])


def describe_adjustment(
    session: Session, *, unit_id: int, request: AdjustmentRequest
) -> dict[str, Any]:
    """What the request would change, as the head and the leader read it: `indicator` (its
    title), `changes` (each item old against new), `weights` (the whole weight table old against
    new) and `problems` (empty when the request can go on; each `{path, message}`, the path
    naming the request form's field it is about)."""
    try:
        plan = _plan(session, unit_id, request)
    except NotFound as error:
        return {
            "problems": [_problem("indicator_id", error.message)],
            "indicator": "",
            "changes": [],
            "weights": [],
            "document_name": "",
        }
    old = version_row(plan.indicator.current)
    changes = [
        {"item": _field_label(name), "before": old[name], "after": value}
        for name, value in plan.content.items()
    ]
    if request.action == CANCEL:
        changes.append(
            {"item": _("Status"), "before": _("Approved"), "after": _("Cancelled (not scored)")}
        )
    weights = [
        {
            "title": i.current.title,
            "before": float(i.current.weight),
            "after": float(plan.weights[i.id]) if i.id in plan.weights else _("Cancelled"),
        }
        for i in approved(session, unit_id, plan.indicator.year)
    ]
    document = session.get(EvidenceFile, request.document_id) if request.document_id else None
    return {
        "problems": plan.problems,
        "indicator": plan.indicator.current.title,
        "changes": changes,
        "weights": weights,
        "document_name": document.original_name if document else "",
    }


def _new_version(
    indicator: Indicator,
    *,
    actor: Actor,
    request: AdjustmentRequest,
    now: datetime,
    content: dict[str, str],
    weight: Decimal,
) -> None:
    old = indicator.current
    number = max(v.number for v in indicator.versions) + 1
    indicator.versions.append(
        IndicatorVersion(
            number=number,
            title=content.get("title", old.title)[:300],
            source=old.source,
            target=content.get("target", old.target),
            measure=content.get("measure", old.measure),
            weight=weight,
            milestones=list(old.milestones),
            reason=request.reason.strip(),
            document_id=request.document_id,
            created_at=now,
            created_by_id=actor.user_id,
            published_at=now,
        )
    )
    indicator.current_version = number


def adjust(
    session: Session, *, actor: Actor, unit_id: int, request: AdjustmentRequest, now: datetime
) -> list[int]:
    """Carry out a consented request; returns the ids of the indicators it changed.

    A changed indicator (content or weight) gets a new published version; a cancelled one keeps
    its versions and leaves the score's weights.
    """
    plan = _plan(session, unit_id, request)
    if plan.problems:
        raise InvalidInput(_("The adjustment cannot be made."), details=plan.problems)
    changed = []
    for indicator in approved(session, unit_id, plan.indicator.year):
        before = {**version_row(indicator.current), "status": indicator.status.value}
        content = plan.content if indicator.id == plan.indicator.id else {}
        weight = plan.weights.get(indicator.id)
        if weight is None:
            indicator.status = IndicatorStatus.CANCELLED
        elif content or weight != indicator.current.weight:
            _new_version(
                indicator, actor=actor, request=request, now=now, content=content, weight=weight
            )
        else:
            continue
        session.flush()
        record(
            session,
            actor=actor,
            action="indicators.cancelled" if weight is None else "indicators.adjusted",
            object_type="indicator",
            object_id=indicator.id,
            before=before,
            after={
                **draft_row(indicator),
                "status": indicator.status.value,
                "version": indicator.current_version,
                "reason": request.reason,
            },
            now=now,
        )
        changed.append(indicator.id)
    return changed


def adjustable_choices(
    session: Session, unit_id: int | None, year: int | None
) -> list[tuple[Any, str]]:
    """The unit's approved indicators of the year, for an adjustment request (by title)."""
    if unit_id is None or year is None:
        return []
    return titled_choices(approved(session, unit_id, year))
