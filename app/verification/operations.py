"""Service operations of the year-end verification (`verification.*`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.db import utcnow
from app.errors import InvalidInput
from app.extensions import db_session
from app.verification import checks, procedure
from app.workflow.registry import REGISTRY, Operation, ServiceCall


def _open(call: ServiceCall) -> dict[str, Any]:
    return procedure.open_verification(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        instance_id=call.instance_id,
        now=utcnow(),
    )


def _submit(call: ServiceCall) -> dict[str, Any]:
    evidence = [e for e in (call.params.get("evidence"), call.params.get("more_evidence")) if e]
    return procedure.submit_self_evaluation(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        rows=call.params.get("entries"),
        evidence_ids=[str(e) for e in evidence],
        now=utcnow(),
    )


def _sign(call: ServiceCall) -> dict[str, Any]:
    return procedure.sign(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        approve=call.params.get("decision") == "approve",
        comment=str(call.params.get("comment") or ""),
        now=utcnow(),
    )


def _record_lead_opinions(call: ServiceCall) -> int:
    return procedure.record_lead_opinions(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        reviews=call.params.get("reviews"),
        now=utcnow(),
    )


def _prepare(call: ServiceCall) -> dict[str, Any]:
    return checks.verification_forms(db_session(), unit_id=call.unit(), year=call.year())


def _record_verification(call: ServiceCall) -> dict[str, Any]:
    seed = call.params.get("seed")
    raw_share = call.params.get("share")
    share = procedure.decimal_or_none(raw_share)
    if raw_share is not None and share is None:
        raise InvalidInput(_("The sample share must lie between 0 and 1."))
    return checks.record_verification(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        rows=call.params.get("verifications"),
        accept=call.params.get("decision") != "return",
        reasons=str(call.params.get("reasons") or ""),
        seed=str(seed) if seed not in (None, "") else None,
        share=share,
        now=utcnow(),
    )


def _record_field_checks(call: ServiceCall) -> dict[str, Any]:
    return checks.record_field_checks(
        db_session(),
        actor=call.actor,
        unit_id=call.unit(),
        year=call.year(),
        findings=call.params.get("findings"),
        now=utcnow(),
    )


for operation in (
    Operation(
        "verification.open",
        "Open the unit's year-end verification; returns the rows to claim and its state.",
        {"year": True},
        _open,
    ),
    Operation(
        "verification.submit_self_evaluation",
        "Record the unit's claims per indicator; returns the problems to fix first.",
        {"year": True, "entries": True, "evidence": False, "more_evidence": False},
        _submit,
    ),
    Operation(
        "verification.sign",
        "The unit head signs ('approve') or returns the self-evaluation; returns the lead units.",
        {"year": True, "decision": True, "comment": False},
        _sign,
    ),
    Operation(
        "verification.record_lead_opinions",
        "Write the lead units' opinions on the key tasks they lead.",
        {"year": True, "reviews": True},
        _record_lead_opinions,
    ),
    Operation(
        "verification.prepare",
        "The claims, the lead units' opinions and the rows the office verifies.",
        {"year": True},
        _prepare,
    ),
    Operation(
        "verification.record_verification",
        "Record c per indicator and draw the field-check sample (seed, share optional), "
        "or return the self-evaluation ('return') with the reasons.",
        {
            "year": True,
            "verifications": True,
            "decision": True,
            "reasons": False,
            "seed": False,
            "share": False,
        },
        _record_verification,
    ),
    Operation(
        "verification.record_field_checks",
        "Record the findings on the sampled indicators; untrue evidence is proposed for P.",
        {"year": True, "findings": True},
        _record_field_checks,
    ),
):
    REGISTRY.register(operation)
