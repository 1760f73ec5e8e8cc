"""`flask --app wsgi simulate year` itself: exit 0 and CONTRACT's JSON summary for a small
province; exit 1 with the failed instance named when an instance ends in error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app import create_app
from app.cycle.openers import OPENERS
from app.cycle.phases import Phase
from tests.cycle.conftest import ROOT

CONTRACT_KEYS = {"units", "instances", "tasks", "timers_fired", "appeals", "grades", "seconds"}
GRADES = {"优秀", "良好", "合格", "不合格"}


def _summary(output: str) -> dict[str, Any]:
    """The JSON object the command printed (the last thing on stdout)."""
    return json.loads(output[output.index("{") :])


def test_a_small_province_year_exits_0_with_the_contract_summary(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JIXIAO_ENV": "development",
        "SECRET_KEY": "simulate-cli-test-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}",
        "JIXIAO_AUDIT_KEY_FILE": str(tmp_path / "audit_key"),
        "JIXIAO_SCHEDULER": "off",
    }
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "simulate", "year", "--units", "8", "--seed", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    summary = _summary(done.stdout)
    assert summary.keys() >= CONTRACT_KEYS
    assert summary["units"] == 8
    assert summary["errors"] == []
    assert isinstance(summary["instances"], int) and summary["instances"] > 8
    assert isinstance(summary["tasks"], int) and summary["tasks"] > summary["units"]
    assert isinstance(summary["timers_fired"], int) and summary["timers_fired"] > 0
    assert isinstance(summary["appeals"], dict)
    assert isinstance(summary["seconds"], int | float) and summary["seconds"] > 0
    # grades per category: two categories whose graded units add up to the province
    assert len(summary["grades"]) == 2
    assert all(set(counts) <= GRADES for counts in summary["grades"].values())
    assert sum(n for counts in summary["grades"].values() for n in counts.values()) == 8


def test_an_instance_ending_in_error_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """The indicator-setting phase's opening is made to fail (in this process only): the
    `annual_cycle` instance ends in error at that step, and the command says so and exits 1."""

    def broken(session: Session, year: int, now: datetime) -> dict[str, Any]:
        raise RuntimeError("the indicator drafts are unreadable")

    monkeypatch.setitem(OPENERS, Phase.INDICATOR_SETTING, broken)
    app = create_app("testing")
    result = app.test_cli_runner().invoke(
        args=["simulate", "year", "--units", "4", "--seed", "2"], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    summary = _summary(result.output)
    [error] = summary["errors"]
    assert error["process_key"] == "annual_cycle"
    assert error["element"] == "open_indicator_setting"
    assert "unreadable" in error["message"]
    assert summary["grades"] == {}
