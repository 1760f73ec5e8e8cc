"""An appeal's way through the office: the window check, receipt, the decision (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.appeals.applying import apply_corrections, correction_problems
from app.appeals.corrections import (
    Change,
    correctable_inputs,
    corrected_document,
    read_changes,
    unit_document,
)
from app.appeals.delivery import (
    APPEAL_WORKDAYS,
    REPLY_WORKDAYS,
    delivery_of_instance,
    row_of,
    score_summary,
)
from app.appeals.models import (
    Appeal,
    AppealDecision,
    AppealOutcome,
    AppealStatus,
    DeliveryState,
    ResultDelivery,
)
from app.audit.services import record
from app.auth.actor import Actor
from app.calendar.services import working_calendar
from app.calendar.workdays import SHANGHAI
from app.errors import Conflict, InvalidInput
from app.scoring.inputs import parse_inputs
from app.scoring.problems import InputsProblem
from app.scoring.services import latest_run

OUTCOME_LABELS = {
    AppealOutcome.UPHELD: _l("Appeal upheld: the score was corrected"),
    AppealOutcome.REJECTED: _l("Appeal rejected: the result stands"),
}


def appeal_deadline(session: Session, delivery: ResultDelivery) -> datetime:
    """The end of the 5th working day after delivery, with the calendar now in force."""
    return working_calendar(session).workday_deadline(delivery.delivered_at, APPEAL_WORKDAYS)


def _shown(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _move_delivery(
    session: Session,
    actor: Actor,
    instance_id: int | None,
    *,
    state: DeliveryState,
    action: str,
    now: datetime,
) -> None:
    delivery = delivery_of_instance(session, instance_id)
    before, delivery.state = delivery.state, state
    record(
        session,
        actor=actor,
        action=action,
        object_type="result_delivery",
        object_id=delivery.id,
        before={"state": before},
        after={"state": delivery.state},
        now=now,
    )


def accept_result(session: Session, actor: Actor, instance_id: int | None, now: datetime) -> None:
    """The unit accepts its delivered result (audited)."""
    _move_delivery(
        session, actor, instance_id, state=DeliveryState.ACCEPTED, action="results.accept", now=now
    )


def close_window(session: Session, actor: Actor, instance_id: int | None, now: datetime) -> None:
    """The appeal window passed unanswered: the delivered result stands (audited)."""
    _move_delivery(
        session,
        actor,
        instance_id,
        state=DeliveryState.WINDOW_CLOSED,
        action="results.window_close",
        now=now,
    )


def refuse_if_late(
    session: Session,
    actor: Actor,
    instance_id: int | None,
    *,
    text: str,
    document_id: str | None,
    now: datetime,
) -> str:
    """'' while the window is open; after it, the appeal is recorded as refused (audited) and
    the refusal naming the missed deadline is returned."""
    delivery = delivery_of_instance(session, instance_id)
    deadline = appeal_deadline(session, delivery)
    if now <= deadline:
        return ""
    refusal: str = _(
        "The appeal period ended at %(deadline)s (the %(n)dth working day after delivery); "
        "a late appeal is not accepted.",
        deadline=_shown(deadline),
        n=APPEAL_WORKDAYS,
    )
    appeal = Appeal(
        delivery=delivery,
        text=text,
        document_id=document_id,
        filed_by_id=actor.user_id,
        filed_by_name=actor.name,
        filed_at=now,
        appeal_due_at=deadline,
        status=AppealStatus.REFUSED_LATE,
        refusal=refusal,
    )
    session.add(appeal)
    session.flush()
    record(
        session,
        actor=actor,
        action="appeal.refuse_late",
        object_type="appeal",
        object_id=appeal.id,
        before={"delivery_state": delivery.state},
        after={"deadline": deadline, "filed_at": now, "delivery_state": DeliveryState.REFUSED_LATE},
        now=now,
    )
    delivery.state = DeliveryState.REFUSED_LATE
    return refusal


def receive_appeal(
    session: Session,
    actor: Actor,
    instance_id: int | None,
    *,
    text: str,
    document_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The head-signed appeal reaches the office: record it with the reply deadline (audited);
    returns that deadline and the corrections table of the unit's current inputs."""
    delivery = delivery_of_instance(session, instance_id)
    if not text.strip():
        raise InvalidInput(_("An appeal needs its reasons."), details={"appeal_text": "required"})
    reply_due = working_calendar(session).workday_deadline(now, REPLY_WORKDAYS)
    appeal = Appeal(
        delivery=delivery,
        text=text.strip(),
        document_id=document_id,
        filed_by_id=actor.user_id,
        filed_by_name=actor.name,
        filed_at=now,
        appeal_due_at=appeal_deadline(session, delivery),
        received_at=now,
        reply_due_at=reply_due,
        status=AppealStatus.RECEIVED,
    )
    session.add(appeal)
    session.flush()
    record(
        session,
        actor=actor,
        action="appeal.receive",
        object_type="appeal",
        object_id=appeal.id,
        before={"delivery_state": delivery.state},
        after={
            "unit": delivery.unit.code,
            "received_at": now,
            "reply_due_at": reply_due,
            "delivery_state": DeliveryState.UNDER_REVIEW,
        },
        now=now,
    )
    delivery.state = DeliveryState.UNDER_REVIEW
    inputs = latest_run(session, delivery.year).inputs
    return {
        "received_at": now.isoformat(),
        "reply_due": reply_due.isoformat(),
        "corrections": correctable_inputs(unit_document(inputs, delivery.unit.code)),
    }


def _open_appeal(delivery: ResultDelivery) -> Appeal:
    for appeal in delivery.appeals:
        if appeal.status is AppealStatus.RECEIVED:
            return appeal
    raise Conflict(_("This unit has no appeal awaiting a decision."))


def _stated_changes(
    session: Session, delivery: ResultDelivery, outcome: str, corrections: Any
) -> tuple[list[Change], list[str]]:
    if outcome not in tuple(AppealOutcome):
        return [], [_("Choose whether the appeal is upheld or rejected.")]
    if outcome == AppealOutcome.REJECTED:
        return [], []
    run = latest_run(session, delivery.year)
    changes, problems = read_changes(unit_document(run.inputs, delivery.unit.code), corrections)
    if not changes and not problems:
        problems.append(_("An upheld appeal must correct at least one input."))
    if changes and not problems:
        try:
            parse_inputs(corrected_document(run.inputs, delivery.unit.code, changes))
        except InputsProblem as error:
            problems.extend(problem.message for problem in error.problems)
    if changes and not problems:
        problems.extend(
            correction_problems(session, delivery.year, delivery.unit.code, changes, run.version)
        )
    return changes, problems


def decision_problems(
    session: Session, instance_id: int | None, *, outcome: str, corrections: Any
) -> list[str]:
    """What stops the office's decision (empty when nothing does)."""
    delivery = delivery_of_instance(session, instance_id)
    return _stated_changes(session, delivery, outcome, corrections)[1]


def decide_appeal(
    session: Session,
    actor: Actor,
    instance_id: int | None,
    *,
    outcome: str,
    reply: str,
    corrections: Any,
    now: datetime,
) -> AppealDecision:
    """Record the office's decision (audited). An upheld appeal's corrections are written to the
    records through their owning services and the year is scored again from the records as a new
    version, which proposes the grades of the whole year again."""
    delivery = delivery_of_instance(session, instance_id)
    appeal = _open_appeal(delivery)
    changes, problems = _stated_changes(session, delivery, outcome, corrections)
    if problems:
        raise InvalidInput("\n".join(problems), details=problems)
    before = latest_run(session, delivery.year)
    version_after = None
    if changes:
        reason = _(
            "Appeal no. %(id)d of %(unit)s upheld: corrected inputs.",
            id=appeal.id,
            unit=delivery.unit.name_zh,
        )
        after_run = apply_corrections(session, actor, appeal, changes, reason=reason, now=now)
        version_after = after_run.version
    decision = AppealDecision(
        appeal=appeal,
        outcome=AppealOutcome(outcome),
        reply=reply.strip(),
        decided_by_id=actor.user_id,
        decided_by_name=actor.name,
        decided_at=now,
        changes=[change.as_json() for change in changes],
        version_before=before.version,
        version_after=version_after,
    )
    session.add(decision)
    appeal.status = AppealStatus(outcome)
    delivery.state = DeliveryState(outcome)
    session.flush()
    record(
        session,
        actor=actor,
        action="appeal.decide",
        object_type="appeal",
        object_id=appeal.id,
        before={"status": AppealStatus.RECEIVED, "version": before.version},
        after={
            "status": appeal.status,
            "changes": decision.changes,
            "version": version_after or before.version,
        },
        now=now,
    )
    return decision


def decision_for_unit(session: Session, decision: AppealDecision) -> dict[str, Any]:
    """What the unit's last task shows: the outcome, reply, changes and its score now."""
    delivery = decision.appeal.delivery
    run = latest_run(session, delivery.year)
    return {
        "outcome": decision.outcome.value,
        "outcome_label": str(OUTCOME_LABELS[decision.outcome]),
        "reply": decision.reply,
        "changes": [
            {"label": change["label"], "old": change["old"], "new": change["new"]}
            for change in decision.changes
        ],
        "score": [score_summary(run, row_of(run, delivery.unit_id))],
    }
