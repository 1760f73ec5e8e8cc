"""Service operations of the indicator procedures (`indicators.*`), and the choices their forms
offer. Each runs a step of app.indicators.procedure for the instance's unit."""

from __future__ import annotations

from typing import Any

from app.extensions import db_session
from app.indicators import adjustment, procedure
from app.indicators.models import IndicatorStatus
from app.workflow.definitions.forms import register_choices
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


def _request(call: ServiceCall) -> adjustment.AdjustmentRequest:
    params = call.params
    optional = {k: params.get(k) or None for k in ("title", "target", "measure")}
    rows = params.get("weights")
    weights = {
        row.get("id"): row.get("weight")
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict)
    }
    return adjustment.AdjustmentRequest(
        indicator_id=params.get("indicator_id"),
        action=str(params.get("action") or adjustment.CHANGE),
        reason=str(params.get("reason") or ""),
        document_id=params.get("document") or None,
        weights=weights,
        **optional,
    )


def _open_adjustment(call: ServiceCall) -> list[dict[str, Any]]:
    return adjustment.open_adjustment(call.session, unit_id=call.unit(), year=call.year())


def _check_adjustment(call: ServiceCall) -> dict[str, Any]:
    return adjustment.describe_adjustment(call.session, unit_id=call.unit(), request=_request(call))


def _adjust(call: ServiceCall) -> list[int]:
    return adjustment.adjust(
        call.session, actor=call.actor, unit_id=call.unit(), request=_request(call), now=call.now
    )


ADJUSTMENT_PARAMS = {
    "indicator_id": True,
    "action": False,
    "reason": True,
    "document": True,
    "title": False,
    "target": False,
    "measure": False,
    "weights": False,
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
        "indicators.open_adjustment",
        "The unit's approved indicators with their weights, the table a request starts from.",
        {"year": True},
        _open_adjustment,
    ),
    Operation(
        "indicators.check_adjustment",
        "What an adjustment request would change (old against new) and the problems that stop "
        "it (empty when none).",
        ADJUSTMENT_PARAMS,
        _check_adjustment,
    ),
    Operation(
        "indicators.adjust",
        "Change, cancel and reweight the unit's indicators as the consented request says.",
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
    lambda context: adjustment.adjustable_choices(db_session(), context.unit_id, context.year),
)
