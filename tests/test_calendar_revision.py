"""A calendar change counts at once in every process (issue 17 §3): a process's cached entries
are read again as soon as the calendar's revision token changes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask

from app import create_app
from app.auth.actor import Actor
from app.auth.roles import Role
from app.auth.services import actor_for
from app.calendar.models import DayKind
from app.calendar.services import calendar_revision, set_day, working_calendar
from app.extensions import db
from app.workflow.instances.runtime import start_instance
from tests.factories import make_user
from tests.workflow.helpers import bearer, script_process, upload

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2027, 1, 4)  # 2027 is not in the package: weekends only until entered
NOW = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # Friday 10:00 in Beijing


def test_an_import_in_another_process_counts_from_the_next_computation(
    app: Flask, tmp_path: Path
) -> None:
    assert working_calendar(db.session).add_workdays(NOW, 1) == MONDAY
    db.session.commit()  # the entries are now cached in this process

    file = tmp_path / "calendar.csv"
    file.write_text("date,kind,note\n2027-01-04,holiday,元旦调休\n", encoding="utf-8")
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    environment.setdefault("SECRET_KEY", "calendar-import-test")
    imported = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "calendar", "import", str(file)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert "Imported 2027" in imported.stdout

    assert working_calendar(db.session).add_workdays(NOW, 1) == date(2027, 1, 5)


def _office_clerk() -> Actor:
    return actor_for(make_user("office1", Role.OFFICE_STAFF))


def test_a_deadline_in_a_diagram_uses_a_change_made_through_another_engine(app: Flask) -> None:
    make_user("owner1", Role.PROCESS_OWNER)
    clerk = _office_clerk()
    client = app.test_client()
    diagram = script_process("due", "due = workday_deadline(now(), 1).date().isoformat()")
    assert upload(client, bearer(client, "owner1"), ("d.bpmn", diagram)).status_code == 201
    system = Actor.system("test")
    first = start_instance(db.session, actor=system, key="due", now=NOW)
    assert first.data["due"] == "2027-01-04"
    db.session.commit()

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():  # another engine and session, as in another worker
        set_day(
            db.session,
            actor=clerk,
            day=MONDAY,
            kind=DayKind.HOLIDAY,
            note="临时调整",
            now=NOW,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    second = start_instance(db.session, actor=system, key="due", now=NOW)
    assert second.data["due"] == "2027-01-05"


def test_every_change_writes_a_new_revision(app: Flask) -> None:
    clerk = _office_clerk()
    first = calendar_revision(db.session)
    set_day(db.session, actor=clerk, day=MONDAY, kind=DayKind.HOLIDAY, note="", now=NOW)
    second = calendar_revision(db.session)
    set_day(db.session, actor=clerk, day=MONDAY, kind=None, note="", now=NOW)
    assert len({first, second, calendar_revision(db.session)}) == 3
