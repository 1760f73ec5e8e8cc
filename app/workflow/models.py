"""Deployed process versions, running instances, their human tasks and engine events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.roles import Role
from app.db import Base, str_enum, utcnow


class InstanceStatus(StrEnum):
    """CONTRACT statuses: running (engine busy), waiting (on people or time), and the ends."""

    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    ERROR = "error"
    TERMINATED = "terminated"


class HumanTaskState(StrEnum):
    """Where a human task stands in the inbox."""

    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProcessDefinition(Base):
    """One deployed version of a process key, with its sources and serialized spec."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    dialect: Mapped[str] = mapped_column(String(16))
    files: Mapped[dict[str, str]] = mapped_column(JSON, deferred=True)
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    # Per human task (bpmn id): lane role, form, due date, assignee... as read from the diagram.
    task_settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    uses_lanes: Mapped[bool] = mapped_column(default=False)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ProcessInstance(Base):
    """A running (or finished) procedure; `state_json` is SpiffWorkflow's saved workflow."""

    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_process_instances_status_key", "status", "process_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[InstanceStatus] = mapped_column(str_enum(InstanceStatus, 16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int | None]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    state_json: Mapped[str] = mapped_column(Text, deferred=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_element: Mapped[str | None] = mapped_column(String(255))
    next_timer_at: Mapped[datetime | None]
    # A timer fell in a year without official holiday data (weekends only, SPEC §13).
    deadlines_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    row_version: Mapped[int] = mapped_column(default=1)

    definition: Mapped[ProcessDefinition] = relationship()

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class HumanTask(Base):
    """A ready user task in the inboxes; its id is SpiffWorkflow's task id."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # The listing's order and the id are in the inbox indexes: a page's ids come from them.
        Index(
            "ix_human_tasks_inbox_role",
            "state",
            "role",
            "scope_unit_id",
            "due_at",
            "created_at",
            "id",
        ),
        Index("ix_human_tasks_inbox_user", "state", "user_id", "due_at", "created_at", "id"),
        Index(
            "ix_human_tasks_inbox_global",
            "state",
            "role",
            "due_at",
            "created_at",
            "id",
            postgresql_where=text("scope_unit_id IS NULL"),
            sqlite_where=text("scope_unit_id IS NULL"),
        ),
        Index("ix_human_tasks_instance", "instance_id", "state"),
        Index("ix_human_tasks_done_by", "completed_by_id", "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    spec_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(255))
    # Who may work it: holders of `role` (within `scope_unit_id` for unit roles), or `user_id`.
    role: Mapped[Role | None] = mapped_column(str_enum(Role, 32))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form: Mapped[str | None] = mapped_column(String(255))
    ui_form: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Deadline alerts: when each falls due, and when it was sent (once).
    remind_at: Mapped[datetime | None]
    escalate_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    overdue_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    chased_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(default=0)
    state: Mapped[HumanTaskState] = mapped_column(str_enum(HumanTaskState, 16))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    # The task's data as it completed (the saved state keeps no finished turns of a loop).
    completed_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instance: Mapped[ProcessInstance] = relationship()


class InstanceEvent(Base):
    """Everything the engine did to an instance, in order."""

    __tablename__ = "instance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    element_name: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class InstanceTimer(Base):
    """One waiting timer of an instance: when it falls due, and who is firing it.

    The engine keeps the timer itself; this narrow row lets schedulers find due timers without
    loading instances, and claim them so that several schedulers never fire one twice.
    """

    __tablename__ = "instance_timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_id"),
        Index("ix_instance_timers_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]


class ProcessStart(Base):
    """One scheduled start of a process with a timer start event (e.g. the monthly report).

    The unique (key, due time) pair makes each due time start at most one instance, however many
    schedulers see it; the row is claimed with a lease like an instance timer.
    """

    __tablename__ = "process_starts"
    __table_args__ = (
        UniqueConstraint("process_key", "due_at"),
        Index("ix_process_starts_due", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime]
    cycle: Mapped[str] = mapped_column(String(255))
    # A registered operation listing one start per unit (`startFor` on the start event).
    start_for: Mapped[str | None] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(default=1)
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL")
    )
