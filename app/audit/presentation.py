"""The audit log as the three administrators may see it (SPEC §1): who did what to which object,
when, and which fields changed, never the values. Expert opinions, leaders' comments and reported
figures are business content the administrators must not read."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from app.audit.models import AuditEntry
from app.i18n import SHANGHAI

# Every action the code records, by name; a test keeps this complete.
ACTION_LABELS: dict[str, Any] = {
    "access.denied": _l("Access refused"),
    "appeal.decide": _l("Appeal decided"),
    "appeal.receive": _l("Appeal received by the office"),
    "appeal.refuse_late": _l("Late appeal refused"),
    "audit.archive": _l("Old audit entries archived"),
    "audit.sign_head": _l("Audit chain head signed"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.sign_out": _l("Signed out"),
    "calendar.import": _l("Calendar imported"),
    "calendar.set_day": _l("Calendar day set"),
    "crypto.rotate": _l("Personal data re-encrypted under the current key"),
    "cycle.dates_set": _l("Annual cycle phase dates changed"),
    "cycle.hold": _l("Annual cycle phase held"),
    "cycle.open_early": _l("Annual cycle phase opened early"),
    "cycle.phase_opened": _l("Annual cycle phase opened"),
    "cycle.release": _l("Annual cycle phase released"),
    "department_item.assign": _l("Departmental item assigned"),
    "department_item.correct": _l("Departmental score corrected on appeal"),
    "department_item.save": _l("Departmental scores saved"),
    "evaluation_sheet.reopen": _l("Evaluation sheet reopened"),
    "evaluation_sheet.save": _l("Evaluation sheet saved as a draft"),
    "evaluation_sheet.submit": _l("Evaluation sheet submitted"),
    "evidence.download": _l("Evidence downloaded"),
    "evidence.upload": _l("Evidence uploaded"),
    "evidence.sweep": _l("Files of failed uploads removed"),
    "form.save": _l("Form saved"),
    "indicators.adjusted": _l("Indicator adjusted"),
    "indicators.cancelled": _l("Indicator cancelled"),
    "indicators.catalogue_import": _l("Key-task catalogue imported"),
    "indicators.drafts_saved": _l("Indicator drafts saved"),
    "indicators.published": _l("Indicators published"),
    "indicators.setting_opened": _l("Indicator setting opened"),
    "indicators.setting_started": _l("Indicator setting started"),
    "indicators.status": _l("Indicator status changed"),
    "instance.retry": _l("Process retried"),
    "instance.start": _l("Process started"),
    "instance.terminate": _l("Process terminated"),
    "instance.timers_recomputed": _l("Process deadlines recomputed"),
    "mfa.enrol": _l("Two-step verification set up"),
    "mfa.reset": _l("Two-step verification reset"),
    "mfa.verify": _l("Two-step verification passed"),
    "mfa.verify_failed": _l("Wrong two-step verification code"),
    "p_proposal.bonus": _l("Bonus proposed"),
    "p_proposal.correct": _l("Deductions or bonuses corrected on appeal"),
    "p_proposal.review": _l("Director reviewed a P item"),
    "p_proposal.create": _l("P proposal made"),
    "p_proposal.decide": _l("P proposal decided"),
    "p_rule.update": _l("P rule changed"),
    "process.deploy": _l("Diagram deployed"),
    "process.draft_save": _l("Diagram draft saved"),
    "process.note": _l("Process note"),
    "progress.lead_reviews": _l("Lead units' comments recorded"),
    "progress.report_checked": _l("Progress report checked"),
    "progress.report_missing": _l("Progress report missing"),
    "progress.report_opened": _l("Progress report opened"),
    "progress.report_submitted": _l("Progress report submitted"),
    "results.rectification_ordered": _l("Rectification ordered"),
    "rating.flag": _l("Public rating flagged as a burst"),
    "rating.moderate": _l("Public rating moderated"),
    "rating.returned_to_rater": _l("Rectification returned to the rater"),
    "rating_device.issue": _l("Rating device key issued"),
    "rating_device.withdraw": _l("Rating device key withdrawn"),
    "results.accept": _l("Results accepted by the unit"),
    "results.deliver": _l("Results delivered to the unit"),
    "results.window_close": _l("Appeal period ended without an appeal"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role revoked"),
    "scores.case_exempt": _l("Disqualification case exempted"),
    "scores.case_record": _l("Disqualification case recorded"),
    "scores.quota_rounding": _l("Grade quota rounding changed"),
    "scores.store": _l("Scores computed and stored"),
    "signoff.grades_final": _l("Grades made final and the notice published"),
    "survey.answer": _l("Survey answered"),
    "survey.create": _l("Survey created"),
    "survey.invitation_revoke": _l("Survey invitation revoked"),
    "survey.invitations_issue": _l("Survey invitations issued"),
    "survey.weights": _l("Survey group weights set"),
    "task.chase": _l("Reminder sent"),
    "task.claim": _l("Task claimed"),
    "task.complete": _l("Task completed"),
    "task.due_recomputed": _l("Task deadline recomputed"),
    "task.escalate": _l("Task escalated"),
    "task.escalate_manually": _l("Task escalated by a supervisor"),
    "task.overdue": _l("Task overdue"),
    "task.reassign": _l("Task reassigned"),
    "task.unclaim": _l("Task released"),
    "token.issue": _l("API token issued"),
    "token.revoke": _l("API token revoked"),
    "unit.save": _l("Unit saved"),
    "user.create": _l("Account created"),
    "user.password_change": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "user.set_active": _l("Account enabled or disabled"),
    "user.unlock": _l("Account unlocked"),
    "verification.corrected": _l("Verified completion corrected on appeal"),
    "verification.field_checked": _l("Field checks recorded"),
    "verification.lead_opinions": _l("Lead units' opinions on the self-evaluation"),
    "verification.opened": _l("Verification opened"),
    "verification.returned": _l("Verification returned to the unit"),
    "verification.sample_drawn": _l("Field-check sample drawn"),
    "verification.self_evaluated": _l("Self-evaluation submitted"),
    "verification.signed": _l("Self-evaluation signed by the head"),
    "verification.started_for_all": _l("Verification started for the units"),
    "verification.verified": _l("Completion verified"),
    "year.create": _l("Assessment year created"),
}

# What `signing.check_signed_heads` found, as the auditor's page names it.
HEAD_PROBLEM_LABELS: dict[str, Any] = {
    "archive": _l("an archive record is not signed with the audit key"),
    "other_key": _l("it was signed with another key"),
    "head_removed": _l("a signed head before it was removed"),
    "bad_signature": _l("its signature does not match"),
    "tail_cut": _l("the chain no longer reaches the entry it signed: its tail was cut off"),
    "entry_differs": _l("the entry it signed was changed"),
    "stale": _l("no head was signed after it: later heads were removed or the scheduler stopped"),
    "no_key": _l("the audit key is not configured, so the signed heads cannot be checked"),
}

OBJECT_LABELS: dict[str, Any] = {
    "api_token": _l("API token"),
    "appeal": _l("Appeal"),
    "audit_archive": _l("Audit archive"),
    "audit_head": _l("Signed audit chain head"),
    "calendar_day": _l("Calendar day"),
    "calendar_year": _l("Calendar year"),
    "cycle_phase": _l("Annual cycle phase"),
    "daily_rating": _l("Public rating"),
    "department_item": _l("Departmental item"),
    "department_score": _l("Departmental score"),
    "encrypted_column": _l("Encrypted personal data column"),
    "endpoint": _l("Page or call"),
    "evaluation_sheet": _l("Evaluation sheet"),
    "evidence": _l("Evidence file"),
    "evidence_store": _l("Evidence file store (encrypted)"),
    "grade_notice": _l("Notice of the final grades"),
    "indicator": _l("Indicator"),
    "p_proposal": _l("P proposal"),
    "p_rule": _l("P rule"),
    "process_definition": _l("Diagram"),
    "process_draft": _l("Diagram draft"),
    "process_instance": _l("Process"),
    "result_delivery": _l("Delivery of results"),
    "progress_report": _l("Progress report"),
    "rectification_order": _l("Rectification order"),
    "rating_device": _l("Rating device"),
    "score_run": _l("Score version"),
    "disqualification_case": _l("Disqualification case"),
    "stored_form": _l("Form"),
    "survey": _l("Year-end survey"),
    "survey_group": _l("Survey group"),
    "survey_invitation": _l("Survey invitation"),
    "task": _l("Task"),
    "unit": _l("Unit"),
    "user": _l("Account"),
    "verification": _l("Year-end verification"),
    "verification_entry": _l("Verified indicator"),
    "year": _l("Assessment year"),
}

EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    """The log's filters; dates are Beijing dates, both ends included."""

    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None

    def query(self) -> Select[tuple[AuditEntry]]:
        query = select(AuditEntry)
        if self.action:
            query = query.where(AuditEntry.action.startswith(self.action))
        if self.actor:
            query = query.where(AuditEntry.actor_name == self.actor)
        if self.since:
            query = query.where(AuditEntry.occurred_at >= _utc_start_of(self.since))
        if self.until:
            query = query.where(AuditEntry.occurred_at < _utc_start_of(self.until + timedelta(1)))
        return query.order_by(AuditEntry.seq.desc())


def _utc_start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SHANGHAI).astimezone(UTC)


@dataclass(frozen=True)
class AuditRow:
    """One entry without its content."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object: str
    changed: list[str]
    client_addr: str


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def changed_fields(before: Any, after: Any) -> list[str]:
    """The names of the fields an entry changed, set or cleared; a value that is not a record
    (a list, a text) counts as one unnamed change."""
    if before is None and after is None:
        return []
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    return ["—"] if before != after else []


def as_row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor=entry.actor_name,
        action=action_label(entry.action),
        object=f"{object_label(entry.object_type)} {entry.object_id or ''}".strip(),
        changed=changed_fields(entry.before, entry.after),
        client_addr=entry.client_addr or "",
    )


def workbook(rows: list[AuditRow], headers: list[str]) -> bytes:
    """The rows as an xlsx workbook, times in China Standard Time."""
    from openpyxl import Workbook  # noqa: PLC0415  (only the export needs it)

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(
            [
                row.seq,
                row.occurred_at.astimezone(SHANGHAI).replace(tzinfo=None),
                row.actor,
                row.action,
                row.object,
                "、".join(row.changed),
                row.client_addr,
            ]
        )
    for column, width in zip("ABCDEFG", (8, 20, 16, 24, 24, 40, 16), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
