"""The layer check catches what it should: routes imported by name or relatively, Flask's
request state read below the edges, SpiffWorkflow outside app.workflow, import cycles inside
app.workflow, its pages and internals imported from outside, its lower sub-packages importing
the upper ones."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "check_layers.py"


@pytest.fixture(scope="module")
def check_layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_layers", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_layers"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], None]:
    def write_module(name: str, source: str) -> None:
        path = tmp_path.joinpath("app", *name.split(".")[1:]).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for package in (path.parent, *path.parent.parents):
            if package == tmp_path:
                break
            (package / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")

    return write_module


def _problems(check_layers: ModuleType, tmp_path: Path) -> list[str]:
    return [line.split(": ", 1)[1] for line in check_layers.violations(tmp_path / "app")]


def test_the_application_passes(check_layers: ModuleType) -> None:
    assert check_layers.violations() == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("from app.indicators import routes\n", "imports the route module app.indicators.routes"),
        ("from . import routes\n", "imports the route module app.indicators.routes"),
        ("from ..progress import routes\n", "imports the route module app.progress.routes"),
        ("import app.indicators.routes\n", "imports the route module app.indicators.routes"),
        (
            "from app.evaluations import review_pages\n",
            "imports the route module app.evaluations.review_pages",
        ),
        ("from flask import request\n", "uses flask.request; below the edges"),
        ("from flask import current_app, g\n", "uses flask.g; below the edges"),
        ("from flask import session as web_session\n", "uses flask.session; below the edges"),
        (
            "from flask_login import current_user\n",
            "uses flask_login.current_user; below the edges",
        ),
        ("import flask\n\nflask.request.args\n", "uses flask.request; below the edges"),
        ("from SpiffWorkflow.bpmn import BpmnWorkflow\n", "imports SpiffWorkflow.bpmn; only"),
    ],
)
def test_a_bad_service_module_is_reported(
    check_layers: ModuleType,
    write: Callable[[str, str], None],
    tmp_path: Path,
    source: str,
    problem: str,
) -> None:
    write("app.indicators.services", source)
    [found] = _problems(check_layers, tmp_path)
    assert found.startswith(problem)


def test_edges_may_use_request_state_and_import_routes(
    check_layers: ModuleType, write: Callable[[str, str], None], tmp_path: Path
) -> None:
    write(
        "app.indicators.routes", "from flask import request\nfrom flask_login import current_user\n"
    )
    write("app.api.indicators", "from flask import g\nfrom app.indicators import routes\n")
    write("app.workflow.pages.task_pages", "from flask import request\n")
    write("app.setup", "from app.indicators import routes\n")
    write("app.workflow.instances.runtime", "from SpiffWorkflow.bpmn import BpmnWorkflow\n")
    write("app.indicators.services", "from flask import current_app\nfrom app.db import utcnow\n")
    assert _problems(check_layers, tmp_path) == []


@pytest.mark.parametrize(
    ("other", "source"),
    [
        ("app.workflow.tasks.inbox_sync", "from app.workflow.instances import runtime\n"),
        (  # an import inside a function hides a cycle; it does not break one
            "app.workflow.tasks.inbox_sync",
            "def sync() -> None:\n    from app.workflow.instances.runtime import advance\n",
        ),
        ("app.workflow.instances.runtime", "import app.workflow.instances.runtime\n"),
    ],
)
def test_an_import_cycle_in_the_workflow_is_reported(
    check_layers: ModuleType,
    write: Callable[[str, str], None],
    tmp_path: Path,
    other: str,
    source: str,
) -> None:
    write("app.workflow.instances.runtime", "from app.workflow.tasks import inbox_sync\n")
    write(other, source)  # the third case: runtime imports itself
    [found] = _problems(check_layers, tmp_path)
    assert found.startswith("import cycle among app.workflow.")
    assert "app.workflow.instances.runtime" in found


def test_an_import_for_annotations_only_is_no_cycle(
    check_layers: ModuleType, write: Callable[[str, str], None], tmp_path: Path
) -> None:
    write("app.workflow.instances.runtime", "from app.workflow.tasks import inbox_sync\n")
    write(
        "app.workflow.tasks.inbox_sync",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from app.workflow.instances.runtime import EngineRun\n",
    )
    assert _problems(check_layers, tmp_path) == []


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        (
            "app.indicators.services",
            "from app.workflow.pages import blueprint\n",
            "imports app.workflow.pages.blueprint; outside app.workflow",
        ),
        (
            "app.indicators.services",
            "from app.workflow.scripting.sandbox_runner import runner\n",
            "imports app.workflow.scripting.sandbox_runner; outside app.workflow",
        ),
        (
            "app.workflow.scripting.sandbox",
            "from app.workflow.tasks.inbox import inbox_page\n",
            "imports app.workflow.tasks.inbox; app.workflow.scripting stays below",
        ),
        (
            "app.workflow.definitions.deploy",
            "from app.workflow.timers import scheduler\n",
            "imports app.workflow.timers.scheduler; app.workflow.definitions stays below",
        ),
        (
            "app.workflow.definitions.lint",
            "import app.workflow.pages.blueprint\n",
            "imports app.workflow.pages.blueprint; app.workflow.definitions stays below",
        ),
    ],
)
def test_a_workflow_boundary_crossed_is_reported(
    check_layers: ModuleType,
    write: Callable[[str, str], None],
    tmp_path: Path,
    module: str,
    source: str,
    problem: str,
) -> None:
    write("app.workflow.timers.scheduler", "")
    write("app.workflow.pages.blueprint", "")
    write(module, source)
    [found] = _problems(check_layers, tmp_path)
    assert found.startswith(problem)


def test_the_wiring_may_register_the_pages_and_definitions_may_use_instances(
    check_layers: ModuleType, write: Callable[[str, str], None], tmp_path: Path
) -> None:
    write("app.setup", "from app.workflow.pages.routes import bp\n")
    write("app.workflow.definitions.dry_run", "from app.workflow.instances import runtime\n")
    write("app.workflow.instances.runtime", "from app.workflow.scripting import environment\n")
    write("app.workflow.tasks.human_tasks", "from app.workflow.scripting import sandbox_runner\n")
    assert _problems(check_layers, tmp_path) == []
