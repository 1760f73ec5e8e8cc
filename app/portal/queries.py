"""What the public portal shows (policy §15): published indicator versions and their checked
progress. Everything here reads only versions with `published_at` and reports the office has
checked, so a draft, a comment or an unpublished version cannot reach the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.indicators.models import Indicator, IndicatorKind, IndicatorVersion
from app.org.models import Category, Unit, UnitMembership
from app.progress.models import ProgressEntry, ProgressReport, ReportStatus


@dataclass(frozen=True)
class PublicVersion:
    """One published version: what the indicator said from `published_at` on, and why."""

    number: int
    title: str
    target: str
    measure: str
    weight: Decimal
    reason: str
    published_at: datetime
    milestones: list[dict[str, Any]]


@dataclass
class PublicIndicator:
    """An indicator as the public sees it: its versions in force over time, and the latest
    progress the office has checked."""

    id: int
    kind: IndicatorKind
    versions: list[PublicVersion]
    percent: int | None = None
    period: str | None = None

    @property
    def current(self) -> PublicVersion:
        """The version in force."""
        return self.versions[-1]

    @property
    def adjusted(self) -> bool:
        """Whether the indicator has been adjusted since it was first published (§16)."""
        return len(self.versions) > 1


@dataclass
class PublicUnit:
    """A unit and its published indicators."""

    code: str
    name: str
    category: Category
    indicators: list[PublicIndicator] = field(default_factory=list)


def _published_versions(session: Session, year: int) -> dict[int, list[PublicVersion]]:
    rows = session.execute(
        select(IndicatorVersion)
        .join(Indicator, Indicator.id == IndicatorVersion.indicator_id)
        .where(Indicator.year == year, IndicatorVersion.published_at.is_not(None))
        .order_by(IndicatorVersion.indicator_id, IndicatorVersion.number)
    ).scalars()
    versions: dict[int, list[PublicVersion]] = {}
    for v in rows:
        assert v.published_at is not None
        versions.setdefault(v.indicator_id, []).append(
            PublicVersion(
                v.number,
                v.title,
                v.target,
                v.measure,
                v.weight,
                v.reason,
                v.published_at,
                list(v.milestones or []),
            )
        )
    return versions


def _checked_progress(session: Session, indicator_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The percent complete of each indicator in its latest checked report."""
    if not indicator_ids:
        return {}
    latest = (
        select(ProgressEntry.indicator_id, func.max(ProgressReport.period).label("period"))
        .join(ProgressReport, ProgressReport.id == ProgressEntry.report_id)
        .where(
            ProgressReport.status == ReportStatus.CHECKED,
            ProgressEntry.indicator_id.in_(indicator_ids),
        )
        .group_by(ProgressEntry.indicator_id)
        .subquery()
    )
    rows = session.execute(
        select(ProgressEntry.indicator_id, ProgressEntry.percent, ProgressReport.period)
        .join(ProgressReport, ProgressReport.id == ProgressEntry.report_id)
        .join(
            latest,
            (latest.c.indicator_id == ProgressEntry.indicator_id)
            & (latest.c.period == ProgressReport.period),
        )
        .where(ProgressReport.status == ReportStatus.CHECKED)
    ).all()
    return {indicator_id: (percent, period) for indicator_id, percent, period in rows}


def public_units(
    session: Session,
    year: int,
    *,
    category: Category | None = None,
    unit_code: str | None = None,
    search: str = "",
) -> list[PublicUnit]:
    """The year's units with published indicators, filtered, in category and code order."""
    versions = _published_versions(session, year)
    query = (
        select(Indicator.id, Indicator.kind, Unit.code, Unit.name_zh, UnitMembership.category)
        .join(Unit, Unit.id == Indicator.unit_id)
        .join(
            UnitMembership,
            (UnitMembership.unit_id == Unit.id) & (UnitMembership.year == Indicator.year),
        )
        .where(Indicator.year == year, Indicator.id.in_(list(versions)))
        .order_by(UnitMembership.category, Unit.code, Indicator.kind, Indicator.id)
    )
    if category is not None:
        query = query.where(UnitMembership.category == category)
    if unit_code:
        query = query.where(Unit.code == unit_code)
    progress = _checked_progress(session, list(versions))
    units: dict[str, PublicUnit] = {}
    needle = search.strip().lower()
    for indicator_id, kind, code, name, unit_category in session.execute(query):
        indicator = PublicIndicator(indicator_id, kind, versions[indicator_id])
        indicator.percent, indicator.period = progress.get(indicator_id, (None, None))
        text = f"{name} {indicator.current.title} {indicator.current.target}".lower()
        if needle and needle not in text:
            continue
        unit = units.setdefault(code, PublicUnit(code, name, unit_category))
        unit.indicators.append(indicator)
    return list(units.values())


def portal_years(session: Session) -> list[int]:
    """Years that have something published, newest first."""
    return list(
        session.execute(
            select(Indicator.year)
            .join(IndicatorVersion, IndicatorVersion.indicator_id == Indicator.id)
            .where(IndicatorVersion.published_at.is_not(None))
            .distinct()
            .order_by(Indicator.year.desc())
        ).scalars()
    )
