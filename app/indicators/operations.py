"""Service operations of the indicator procedures (`indicators.*`), and the choices their forms
offer. Each runs a step of app.indicators.procedure for the instance's unit."""

from __future__ import annotations

from typing import Any

from app.extensions import db_session
from app.indicators import procedure
from app.indicators.models import IndicatorStatus
from app.workflow.forms import register_choices
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _open_setting(call: ServiceCall) -> dict[str, Any]:
    return procedure.open_setting(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        instance_id=call.instance_id,
    )


def _save_drafts(call: ServiceCall) -> dict[str, Any]:
    return procedure.save_drafts(
        call.session,
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        rows=call.params.get("indicators"),
    )


def _set_status(status: IndicatorStatus) -> Any:
    def run(call: ServiceCall) -> int:
        return procedure.set_setting_status(
            call.session, actor=call.actor, unit_id=call.unit(), year=call.year(), status=status
        )

    return run


def _publish(call: ServiceCall) -> int:
    return procedure.publish(
        call.session, actor=call.actor, unit_id=call.unit(), year=call.year(), now=call.now
    )


def _request(call: ServiceCall) -> procedure.AdjustmentRequest:
    params = call.params
    optional = {k: params.get(k) or None for k in ("title", "target", "measure")}
    return procedure.AdjustmentRequest(
        indicator_id=params.get("indicator_id"),
        weight=params.get("weight"),
        reason=str(params.get("reason") or ""),
        document_id=params.get("document") or None,
        **optional,
    )


def _check_adjustment(call: ServiceCall) -> list[str]:
    return procedure.adjustment_problems(call.session, unit_id=call.unit(), request=_request(call))


def _adjust(call: ServiceCall) -> int:
    return procedure.adjust(
        call.session, actor=call.actor, unit_id=call.unit(), request=_request(call), now=call.now
    )


ADJUSTMENT_PARAMS = {
    "indicator_id": True,
    "reason": True,
    "document": True,
    "title": False,
    "target": False,
    "measure": False,
    "weight": False,
}

for operation in (
    Operation(
        "indicators.open_setting",
        "Tie the unit's drafts to this procedure; returns their rows and the setting's state.",
        {"year": True},
        _open_setting,
    ),
    Operation(
        "indicators.save_drafts",
        "Save the unit's draft table; returns it as saved and the problems that stop submission.",
        {"year": True, "indicators": True},
        _save_drafts,
    ),
    Operation(
        "indicators.submit",
        "Mark the unit's indicators as in review.",
        {"year": True},
        _set_status(IndicatorStatus.IN_REVIEW),
    ),
    Operation(
        "indicators.return",
        "Return the unit's indicators to the unit for revision.",
        {"year": True},
        _set_status(IndicatorStatus.RETURNED),
    ),
    Operation(
        "indicators.publish",
        "Approve the unit's indicators and publish them on the portal.",
        {"year": True},
        _publish,
    ),
    Operation(
        "indicators.check_adjustment",
        "Problems that stop an adjustment request (empty when none).",
        ADJUSTMENT_PARAMS,
        _check_adjustment,
    ),
    Operation(
        "indicators.adjust",
        "Give an approved indicator a new, published version.",
        ADJUSTMENT_PARAMS,
        _adjust,
    ),
):
    REGISTRY.register(operation)


register_choices("experts", lambda context: procedure.expert_choices(db_session()))
register_choices(
    "unit_indicators",
    lambda context: procedure.draft_choices(db_session(), context.unit_id, context.year),
)
register_choices(
    "approved_indicators",
    lambda context: procedure.adjustable_choices(db_session(), context.unit_id, context.year),
)
