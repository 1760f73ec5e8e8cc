"""The navigation bar: which pages each permission opens."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.roles import Permission


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation bar, shown to holders of `permission`."""

    endpoint: str
    label: object
    icon: str
    permission: Permission | None = None
    also_for: tuple[str, ...] = ()  # other pages under this link (marked current there too)
    group: str | None = None  # links of a group with two or more shown are one drop-down menu

    def is_current(self, endpoint: str | None) -> bool:
        """Whether the page being shown is this link's."""
        return endpoint == self.endpoint or endpoint in self.also_for


ANNUAL = "annual"
GROUP_LABELS = {ANNUAL: _l("Annual assessment")}
GROUP_ICONS = {ANNUAL: "calendar-check"}

NAV_ITEMS = (
    NavItem("web.dashboard", _l("Dashboard"), "house"),
    NavItem(
        "workflow.tasks",
        _l("My tasks"),
        "inbox",
        Permission.BUSINESS,
        also_for=("workflow.done_tasks", "workflow.task"),
    ),
    NavItem("indicators.index", _l("Indicators"), "list-check", Permission.BUSINESS),
    NavItem(
        "workflow.instances",
        _l("Instances"),
        "list-task",
        Permission.BUSINESS,
        also_for=("workflow.instance",),
    ),
    NavItem("workflow.processes", _l("Processes"), "diagram-3", Permission.BUSINESS),
    NavItem("supervision.index", _l("Supervision"), "alarm", Permission.SUPERVISE),
    NavItem(
        "cycle.index",
        _l("The year at a glance"),
        "diagram-2",
        Permission.RUN_CYCLE,
        also_for=("cycle.year_page",),
        group=ANNUAL,
    ),
    NavItem(
        "progress.proposals",
        _l("Process management"),
        "clipboard-check",
        Permission.RUN_CYCLE,
        group=ANNUAL,
    ),
    NavItem(
        "results.latest",
        _l("Use of results", group=ANNUAL),
        "award",
        Permission.RUN_CYCLE,
        also_for=("results.year_page",),
    ),
    NavItem("surveys.index", _l("Year-end survey"), "qr-code", Permission.RUN_CYCLE, group=ANNUAL),
    NavItem("scoring.index", _l("Scores"), "bar-chart", Permission.RUN_CYCLE, group=ANNUAL),
    NavItem(
        "verification.index",
        _l("Verification", group=ANNUAL),
        "patch-check",
        Permission.RUN_CYCLE,
        also_for=("verification.board", "verification.confirm_start"),
    ),
    NavItem(
        "evaluations.index",
        _l("Year-end evaluations"),
        "clipboard-data",
        Permission.EVALUATE,
        group=ANNUAL,
    ),
    NavItem(
        "ratings_office.index",
        _l("Public ratings", group=ANNUAL),
        "star-half",
        Permission.RUN_CYCLE,
        also_for=("ratings_office.moderation", "ratings_office.devices"),
    ),
    NavItem(
        "appeals.index",
        _l("Results and appeals", group=ANNUAL),
        "megaphone",
        Permission.RUN_CYCLE,
        also_for=("appeals.year_page", "appeals.unit_page"),
    ),
    NavItem("workbench.editor", _l("Editor"), "pencil-square", Permission.EDIT_PROCESSES),
    NavItem("admin.units", _l("Units"), "buildings", Permission.BUSINESS),
    NavItem("admin.users", _l("Users"), "people", Permission.MANAGE_USERS),
    NavItem("admin.units", _l("Units"), "buildings", Permission.MANAGE_UNITS),
    NavItem("admin.roles", _l("Roles"), "shield-lock", Permission.GRANT_ROLES),
    NavItem("calendar.year_view", _l("Calendar"), "calendar3", Permission.RUN_CYCLE),
    NavItem("calendar.year_view", _l("Calendar"), "calendar3", Permission.CONFIGURE),
    NavItem("audit.log", _l("Audit log"), "journal-check", Permission.READ_AUDIT),
    NavItem("portal.index", _l("Public portal"), "globe2"),
)


@dataclass(frozen=True)
class NavGroup:
    """Links shown together as one drop-down menu."""

    key: str
    items: tuple[NavItem, ...]

    @property
    def label(self) -> object:
        return GROUP_LABELS[self.key]

    @property
    def icon(self) -> str:
        return GROUP_ICONS[self.key]

    def is_current(self, endpoint: str | None) -> bool:
        return any(item.is_current(endpoint) for item in self.items)


def nav_entries() -> list[NavItem | NavGroup]:
    """The navigation bar: plain links, and a group as a menu where two or more of its links show
    (in the place of its first link)."""
    items = nav_items()
    grouped: dict[str, list[NavItem]] = {}
    for item in items:
        if item.group:
            grouped.setdefault(item.group, []).append(item)
    entries: list[NavItem | NavGroup] = []
    for item in items:
        members = grouped.get(item.group or "", [])
        if len(members) < 2:
            entries.append(item)
        elif item is members[0]:
            entries.append(NavGroup(members[0].group or "", tuple(members)))
    return entries


def nav_items() -> list[NavItem]:
    """The links the signed-in user may follow, without duplicates."""
    if not current_user.is_authenticated:
        return []
    seen: set[str] = set()
    items = []
    for item in NAV_ITEMS:
        allowed = item.permission is None or current_user.actor.can(item.permission)
        if allowed and item.endpoint not in seen:
            seen.add(item.endpoint)
            items.append(item)
    return items
