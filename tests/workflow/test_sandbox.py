"""The script sandbox (SECURITY.md S3, S4): escapes fail with nothing executed, runaway code is
stopped in time and the sandbox keeps working, ordinary diagram code works, and through the
engine a failing script becomes an instance error that office staff can retry."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.auth.roles import Role
from app.calendar.workdays import WorkdayCalendar
from app.extensions import db
from app.workflow.clock import step_clock
from app.workflow.models import ProcessDefinition
from app.workflow.scripting import sandbox, sandbox_runner
from app.workflow.scripting.environment import SandboxEnvironment
from app.workflow.scripting.sandbox import HELPER_NAMES, ScriptRejected, ScriptTimeout
from app.workflow.scripting.sandbox_runner import ScriptFailed
from tests.factories import make_user
from tests.workflow.helpers import bearer, instance, script_process, start, upload
from tests.workflow.test_deploy_validation import GRADE_BPMN, GRADE_DMN

CANARY_TEXT = "CANARY-5b1e0d-never-read"
ENV = SandboxEnvironment(WorkdayCalendar())

# What the host process had before any diagram code ran.
ORIGINAL_DUMPS = json.dumps
ORIGINAL_NOW = datetime.__dict__["now"]
ORIGINAL_DECIMAL_ADD = Decimal.__dict__["__add__"]
ORIGINAL_BUILTINS = dict(sandbox._BUILTINS)
ORIGINAL_GUARDS = dict(sandbox.GUARDS)


@dataclass
class Canary:
    """A file diagram code must never read, and a file it must never create."""

    path: Path
    marker: Path
    atime_ns: int
    atime_tracked: bool

    def substitute(self, source: str) -> str:
        return source.replace("@CANARY@", repr(str(self.path))).replace("@MARK@", str(self.marker))

    def assert_untouched(self) -> None:
        assert not self.marker.exists(), "escaped code ran a shell command"
        stat = self.path.stat()  # (reading the file here would spoil its access time)
        assert stat.st_size == len(CANARY_TEXT)
        if self.atime_tracked:
            assert stat.st_atime_ns == self.atime_ns, "the canary was read"


def _backdate_atime(path: Path) -> int:
    """Set the access time well before the modification time: any read then updates it."""
    stat = path.stat()
    atime = stat.st_mtime_ns - 3600 * 10**9
    os.utime(path, ns=(atime, stat.st_mtime_ns))
    return atime


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Canary]:
    path = tmp_path / "canary.txt"
    path.write_text(CANARY_TEXT)
    probe = tmp_path / "probe.txt"
    probe.write_text("probe")
    probe_atime = _backdate_atime(probe)
    probe.read_text()
    tracked = probe.stat().st_atime_ns != probe_atime  # false on noatime mounts
    atime = _backdate_atime(path)
    yield Canary(path, tmp_path / "escaped", atime, tracked)


def assert_host_intact() -> None:
    """Nothing the sandbox exposes, and nothing of the host, was changed by diagram code."""
    assert json.dumps is ORIGINAL_DUMPS
    assert json.dumps({"a": [1, "二"]}, ensure_ascii=False) == '{"a": [1, "二"]}'
    assert datetime.__dict__["now"] is ORIGINAL_NOW
    assert abs((datetime.now(UTC) - datetime.fromtimestamp(time.time(), UTC)).total_seconds()) < 5
    assert Decimal.__dict__["__add__"] is ORIGINAL_DECIMAL_ADD
    assert Decimal("1.1") + Decimal("2.2") == Decimal("3.3")
    assert sandbox._BUILTINS == ORIGINAL_BUILTINS
    assert sandbox.GUARDS == ORIGINAL_GUARDS
    assert set(sandbox.helper_functions(WorkdayCalendar())) == HELPER_NAMES


def assert_sandbox_healthy() -> None:
    """Both paths still run ordinary code: in-process, and in the child process."""
    assert ENV.evaluate("Decimal('1.1') + Decimal('2.2')", {}) == Decimal("3.3")
    data: dict[str, Any] = {"items": [1, 2, 3]}
    with step_clock(datetime(2026, 6, 1, tzinfo=UTC)):  # the child reads the step's clock
        ENV.execute("total = 0\nfor i in items:\n    total += i\nyear = now().year", data)
    assert data["total"] == 6 and data["year"] == 2026
    assert ENV.evaluate("[Decimal('1.1') + Decimal('2.2') for i in range(1)][0]", {}) == Decimal(
        "3.3"
    )


# --- S3: escape corpus ---------------------------------------------------------------------

# Expressions: each is tried as an expression (evaluate), as `r = <expr>` (execute, in-process
# when the code is simple enough) and inside a loop (execute, always in the child process). Each
# would read the canary, run a shell command, or reach something that leads there.
ESCAPE_EXPRESSIONS = {
    "dunder-import": "__import__('os').system('touch @MARK@')",
    "subclasses": "().__class__.__base__.__subclasses__()",
    "wrap-close-globals": "[c for c in ().__class__.__base__.__subclasses__() "
    "if c.__name__ == '_wrap_close'][0].__init__.__globals__['system']('touch @MARK@')",
    "function-globals": "now.__globals__['__builtins__']['open'](@CANARY@).read()",
    "function-builtins": "now.__builtins__['open'](@CANARY@).read()",
    "function-code": "now.__code__.co_consts",
    "bound-method-self": "is_workday.__self__.overrides",
    "method-func-globals": "workday_deadline.__func__.__globals__",
    "builtins-subscript": "__builtins__['open'](@CANARY@).read()",
    "open": "open(@CANARY@).read()",
    "eval": 'eval("open(@CANARY@).read()")',
    "exec": "exec(\"import os; os.system('touch @MARK@')\")",
    "compile": "compile('open(@CANARY@).read()', 'x', 'eval')",
    "getattr-globals": "getattr(now, '__globals__')['__builtins__']['open'](@CANARY@).read()",
    "getattr-class": "getattr((), '__class__')",
    "globals": "globals()['__builtins__']",
    "vars": "vars(now)",
    "locals": "locals()",
    "type-of": "type(now)",
    "type-new": "type('X', (object,), {'read': lambda self: 0})",
    "type-subclasses": "type.__subclasses__(type)",
    "format-class": "'{0.__class__}'.format(1)",
    "format-globals": "'{.__globals__}'.format(now)",
    "format-deep": "'{0.__globals__[__builtins__][open]}'.format(now)",
    "format-map": "'{a.__globals__}'.format_map({'a': now})",
    "str-format-unbound": "str.format('{0.__globals__}', now)",
    "string-formatter": "string.Formatter().format('{0.__globals__}', now)",
    "fstring-dunder": "f'{now.__globals__}'",
    "fstring-mro": "f'{(1).__class__.__mro__}'",
    "gi-frame": "(x for x in [1]).gi_frame.f_back.f_globals",
    "gi-code": "(x for x in [1]).gi_code",
    "sys-getframe": "sys._getframe(1).f_globals",
    "datetime-now-self": "datetime.now.__self__",
    "decimal-dunder": "Decimal.__add__",
    "json": "json.dumps",
    "setattr-now": "setattr(datetime, 'now', None)",
    "delattr-quantize": "delattr(Decimal, 'quantize')",
    "reduce": "[].__reduce_ex__(2)",
}

# Statements: tried with execute only.
ESCAPE_STATEMENTS = {
    "import": "import os\nos.system('touch @MARK@')",
    "from-import": "from os import system\nsystem('touch @MARK@')",
    "traceback-frame": "try:\n    1 / 0\nexcept Exception as e:\n"
    "    r = e.__traceback__.tb_frame.f_back.f_globals",
    "traceback-tb-frame": "try:\n    1 / 0\nexcept Exception as e:\n    t = e.tb_frame",
    "generator-frame": "def g():\n    yield 1\nr = g().gi_frame.f_back.f_globals",
    "lambda-globals": "f = lambda: 0\nr = f.__globals__['__builtins__']",
    "builtins-alias": "b = __builtins__\nr = b['open'](@CANARY@).read()",
    "poison-datetime-now": "datetime.now = lambda *a: 0",
    "poison-del-now": "del datetime.now",
    "poison-decimal-add": "Decimal.__add__ = lambda a, b: 0",
    "poison-decimal-attr": "Decimal.quantize = None",
    "poison-json": "json.dumps = None",
    "poison-timedelta": "timedelta.max = 0",
    "poison-helper-attr": "now.x = 1",
}

IN_CHILD = "for i in range(1):\n    r = {}"


def _escape_cases() -> Iterator[Any]:
    for name, expression in ESCAPE_EXPRESSIONS.items():
        yield pytest.param("evaluate", expression, id=f"{name}-evaluate")
        yield pytest.param("execute", f"r = {expression}", id=f"{name}-execute")
        yield pytest.param("execute", IN_CHILD.format(expression), id=f"{name}-execute-child")
    for name, statement in ESCAPE_STATEMENTS.items():
        yield pytest.param("execute", statement, id=f"{name}-execute")


@pytest.mark.parametrize(("mode", "source"), list(_escape_cases()))
def test_escape_attempts_fail_with_nothing_executed(canary: Canary, mode: str, source: str) -> None:
    code = canary.substitute(source)
    data: dict[str, Any] = {"unit_code": "FGW", "score": 90}

    with pytest.raises(Exception) as caught:  # any refusal will do; none may pass
        getattr(ENV, mode)(code, data)

    assert CANARY_TEXT not in str(caught.value)
    assert data == {"unit_code": "FGW", "score": 90}  # nothing ran far enough to change it
    canary.assert_untouched()
    assert_host_intact()
    assert_sandbox_healthy()


def test_forbidden_names_are_refused_before_anything_runs() -> None:
    # Compile-time refusal: the message says why, the code never starts.
    for source, why in [
        ("__import__('os')", "__import__"),
        ("now.__globals__", "__globals__"),
        ("(x for x in []).gi_frame", "gi_frame"),
        ("eval('1')", "Eval calls are not allowed"),
    ]:
        with pytest.raises(ScriptRejected, match=why):
            ENV.evaluate(source, {})
    with pytest.raises(ScriptRejected, match="syntax error"):
        ENV.evaluate("import os", {})
    # An import statement compiles, but there is nothing to import from.
    with pytest.raises(ScriptFailed, match="ImportError"):
        ENV.execute("import os", {})


@pytest.mark.parametrize("name", sorted(HELPER_NAMES))
@pytest.mark.parametrize("mode", ["evaluate", "execute"])
def test_task_data_may_not_shadow_a_helper(canary: Canary, name: str, mode: str) -> None:
    data: dict[str, Any] = {name: 1}
    source = "1" if mode == "evaluate" else "x = 1"
    with pytest.raises(ScriptRejected, match="reserved names"):
        getattr(ENV, mode)(source, data)
    assert data == {name: 1}
    canary.assert_untouched()
    assert_host_intact()


@pytest.mark.parametrize(
    "data",
    [{"__builtins__": None}, {"__builtins__": {}}, {"_getattr_": None}, {"_getitem_": None}],
    ids=["builtins-none", "builtins-empty", "getattr-none", "getitem-none"],
)
@pytest.mark.parametrize("wrap", ["{}", IN_CHILD], ids=["in-process", "child"])
def test_task_data_cannot_unlock_the_real_builtins(
    canary: Canary, data: dict[str, Any], wrap: str
) -> None:
    # Python puts the real builtins into globals that lack `__builtins__`; data must not get there.
    source = canary.substitute(wrap.format("r = open(@CANARY@).read()"))
    with pytest.raises(Exception) as caught:  # any refusal will do
        ENV.execute(source, dict(data))
    assert CANARY_TEXT not in str(caught.value)
    canary.assert_untouched()
    assert_host_intact()
    assert_sandbox_healthy()


def test_rebinding_a_helper_in_a_script_stays_in_that_script() -> None:
    data: dict[str, Any] = {}
    ENV.execute("now = lambda: 0\nr = now()", data)
    assert data == {"r": 0}  # the rebound name is not task data
    ENV.execute("for i in range(1):\n    now = 5\n    s = now", data)
    assert data == {"r": 0, "i": 0, "s": 5}
    later = ENV.evaluate("now()", {})
    assert isinstance(later, str) and datetime.fromisoformat(later).tzinfo is not None
    assert_host_intact()


# --- S4: resource limits -------------------------------------------------------------------

RUNAWAY = [
    pytest.param("execute", "while True: pass", ScriptTimeout, "longer than", id="while-true"),
    pytest.param("execute", "x = 7 ** (7 ** 9)", ScriptTimeout, "longer than", id="power-exec"),
    pytest.param("evaluate", "7 ** (7 ** 9)", ScriptTimeout, "longer than", id="power-eval"),
    pytest.param(
        "evaluate",
        "sum(1 for a in range(999) for b in range(999) for c in range(999))",
        ScriptTimeout,
        "longer than",
        id="nested-generators",
    ),
    pytest.param("execute", "x = 'a' * 4 * 10 ** 9", ScriptFailed, "MemoryError", id="str-exec"),
    pytest.param("evaluate", "'a' * 4 * 10 ** 9", ScriptFailed, "MemoryError", id="str-eval"),
    pytest.param("execute", "x = [0] * 10 ** 10", ScriptFailed, "MemoryError", id="list-exec"),
    pytest.param("evaluate", "[0] * 10 ** 10", ScriptFailed, "MemoryError", id="list-eval"),
    pytest.param("execute", "x = sum(range(10 ** 12))", ScriptFailed, "range", id="range-exec"),
    pytest.param("evaluate", "sum(range(10 ** 12))", ScriptFailed, "range", id="range-eval"),
    pytest.param("execute", "raise SystemExit(0)", ScriptFailed, "ended", id="system-exit"),
]


@pytest.mark.parametrize(("mode", "source", "kind", "message"), RUNAWAY)
def test_runaway_code_is_stopped_and_the_sandbox_recovers(
    mode: str, source: str, kind: type[Exception], message: str
) -> None:
    data: dict[str, Any] = {"keep": 1}
    began = time.perf_counter()
    with pytest.raises(kind, match=message):
        getattr(ENV, mode)(source, data)
    assert time.perf_counter() - began < 3.5
    assert data == {"keep": 1}

    began = time.perf_counter()
    after: dict[str, Any] = {"n": 3}
    ENV.execute("total = 0\nfor i in range(n):\n    total += i", after)
    assert after["total"] == 3
    assert time.perf_counter() - began < 3.0  # includes starting a new child if one was killed
    assert_host_intact()


def _ends_within(seconds: float, work: Callable[[], object]) -> bool:
    """Whether `work` ends (returns or raises) within `seconds`, run in a forked process that is
    killed otherwise (so that a hang cannot take the test run with it)."""

    def run() -> None:
        sandbox_runner._local.__dict__.clear()  # never share the parent's child process
        with contextlib.suppress(Exception):  # only the time matters
            work()

    process = multiprocessing.get_context("fork").Process(target=run, daemon=True)
    process.start()
    process.join(seconds)
    ended = not process.is_alive()
    if not ended:
        process.kill()
        process.join()
    return ended


def test_code_that_runs_in_process_is_bounded_too() -> None:
    data = {"amount": "1e999999"}  # what a form field could hold
    assert _ends_within(3.5, lambda: ENV.evaluate("int(Decimal(amount)) > 0", dict(data)))


# --- What diagram code may do --------------------------------------------------------------


def test_loops_comprehensions_augmented_assignment_and_del() -> None:
    data: dict[str, Any] = {"scores": [3, 1, 4, 1, 5], "scratch": "old", "weights": {"a": 2}}
    ENV.execute(
        "total = 0\n"
        "for s in scores:\n"
        "    total += s\n"
        "squares = [s * s for s in scores if s > 1]\n"
        "unique = sorted({s for s in scores})\n"
        "doubled = {k: v * 2 for k, v in weights.items()}\n"
        "weights['b'] = 3\n"
        "best, worst = max(scores), min(scores)\n"
        "count = len(scores)\n"
        "count -= 1\n"
        "tmp = 1\n"
        "del tmp\n"
        "del scratch\n",
        data,
    )
    assert data == {
        "scores": [3, 1, 4, 1, 5],
        "weights": {"a": 2, "b": 3},
        "total": 14,
        "s": 5,
        "squares": [9, 16, 25],
        "unique": [1, 3, 4, 5],
        "doubled": {"a": 4},
        "best": 5,
        "worst": 1,
        "count": 4,
    }


def test_simple_assignments_run_in_process_and_return_to_task_data() -> None:
    data: dict[str, Any] = {"a": 2, "b": 5}
    ENV.execute("c = a + b\nd = c > 6", data)
    assert data == {"a": 2, "b": 5, "c": 7, "d": True}
    assert ENV.evaluate("c == 7 and d", data) is True


def test_branches_raises_and_augmented_assignments_run_in_process() -> None:
    """No repetition, so no separate process: a post-script checking a choice stays cheap."""
    from app.workflow.scripting.sandbox import compile_code

    checking = "if done != key:\n    raise ValueError('choose your own: ' + label)\nn += 1\n"
    assert compile_code(checking, "exec").inline
    assert not compile_code("for s in xs:\n    n += s\n", "exec").inline
    data: dict[str, Any] = {"done": "a", "key": "a", "label": "甲", "n": 1}
    ENV.execute(checking, data)
    assert data["n"] == 2
    with pytest.raises(Exception, match="choose your own: 甲"):
        ENV.execute(checking, {**data, "done": "b"})


def test_decimal_arithmetic() -> None:
    data: dict[str, Any] = {"amount": "10"}
    ENV.execute(
        "total = Decimal('0.1') + Decimal('0.2')\n"
        "share = (Decimal(amount) / 3).quantize(Decimal('0.01'))\n"
        "for i in range(2):\n"
        "    total += Decimal('0.05')",
        data,
    )
    assert data["total"] == Decimal("0.40")
    assert data["share"] == Decimal("3.33")
    assert ENV.evaluate("Decimal('1.10') * 3", {}) == Decimal("3.30")


def test_working_day_helpers() -> None:
    # 2026-02-14 is an adjusted working Saturday; 15–23 February is the Spring Festival holiday.
    filed = datetime(2026, 2, 13, 12, tzinfo=UTC)
    assert ENV.evaluate("workday_deadline(filed, 1)", {"filed": filed}) == (
        "2026-02-14T23:59:59+08:00"
    )
    assert ENV.evaluate(
        "workday_deadline(datetime(2026, 2, 13, 12, tzinfo=now().tzinfo), 1)", {}
    ) == ("2026-02-14T23:59:59+08:00")
    # Naive datetimes are China time: 20:00 on Friday the 13th, so the next working day is the
    # adjusted Saturday (read as UTC it would be the 14th in Beijing, and the answer the 24th).
    assert ENV.evaluate("workday_deadline(datetime(2026, 2, 13, 20), 1)", {}) == (
        "2026-02-14T23:59:59+08:00"
    )
    assert ENV.evaluate("add_workdays(date(2026, 2, 13), 2)", {}) == date(2026, 2, 24)
    assert ENV.evaluate("is_workday(date(2026, 2, 14))", {}) is True
    assert ENV.evaluate("is_workday(date(2026, 2, 16))", {}) is False
    data: dict[str, Any] = {"filed": "2026-02-13T12:00:00+00:00"}
    ENV.execute("due = workday_deadline(filed, 1)\nlate = is_workday(date(2026, 2, 15))", data)
    assert data["due"] == datetime(2026, 2, 14, 15, 59, 59, tzinfo=UTC)
    assert data["late"] is False


def test_aware_datetimes_from_expressions_come_back_as_iso_strings() -> None:
    value = ENV.evaluate("now()", {})
    assert isinstance(value, str)
    assert datetime.fromisoformat(value).tzinfo is not None
    looped = ENV.evaluate("[workday_deadline(date(2026, 2, 13), 1) for i in range(1)][0]", {})
    assert looped == "2026-02-14T23:59:59+08:00"
    # A naive datetime is not a timer value; it stays what it is.
    assert ENV.evaluate("datetime(2026, 1, 1)", {}) == datetime(2026, 1, 1)


# --- Through the engine --------------------------------------------------------------------


@dataclass
class Api:
    client: FlaskClient
    owner: dict[str, str]
    office: dict[str, str]

    def deploy(self, pid: str, script: str) -> None:
        response = upload(self.client, self.owner, (f"{pid}.bpmn", script_process(pid, script)))
        assert response.status_code == 201, response.get_json()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    return Api(client, bearer(client, "owner1"), bearer(client, "office1"))


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("while True: pass", "longer than 2 s"),
        ("x = [0] * 10 ** 10", "MemoryError"),
    ],
    ids=["while-true", "giant-list"],
)
def test_runaway_script_ends_the_instance_in_error_and_the_api_keeps_serving(
    api: Api, script: str, message: str
) -> None:
    api.deploy("runaway", script)
    api.deploy("calm", "answer = 6 * 7")

    began = time.perf_counter()
    started = start(api.client, api.office, "runaway")
    assert time.perf_counter() - began < 3.5
    assert started["status"] == "error"
    assert started["error"]["element_id"] == "run_script"
    assert message in started["error"]["message"]

    listed = api.client.get("/api/v1/process-definitions", headers=api.owner)
    assert listed.status_code == 200
    calm = start(api.client, api.office, "calm")
    assert calm["status"] == "completed"
    assert instance(api.client, api.office, calm["id"])["data"]["answer"] == 42
    shown = instance(api.client, api.office, started["id"])
    assert shown["status"] == "error"
    assert [e["kind"] for e in shown["events"]][-1] == "error"


def test_script_results_over_the_data_cap_end_in_error(api: Api) -> None:
    api.deploy("bloat", "for i in range(1):\n    blob = 'a' * 1_000_000")
    started = start(api.client, api.office, "bloat")
    assert started["status"] == "error"
    assert started["error"]["element_id"] == "run_script"


def test_failed_script_is_retried_with_fixed_data_and_completes(api: Api) -> None:
    api.deploy("divide", "result = 10 / divisor")
    make_user("owner2", Role.PROCESS_OWNER)

    started = start(api.client, api.office, "divide", data={"divisor": 0})
    assert started["status"] == "error"
    assert started["error"]["element_id"] == "run_script"
    assert "division by zero" in started["error"]["message"]

    url = f"/api/v1/process-instances/{started['id']}/retry"
    refused = api.client.post(url, headers=bearer(api.client, "owner2"), json={"data": {}})
    assert refused.status_code == 403

    retried = api.client.post(url, headers=api.office, json={"data": {"divisor": 4}})
    assert retried.status_code == 200, retried.get_json()
    body = retried.get_json()
    assert body["status"] == "completed"
    assert body["data"]["result"] == 2.5 and body["data"]["divisor"] == 4
    kinds = [e["kind"] for e in body["events"]]
    assert kinds.index("error") < kinds.index("retried") < kinds.index("completed")

    again = api.client.post(url, headers=api.office, json={"data": {"divisor": 4}})
    assert again.status_code == 409


def test_a_retry_that_completes_clears_the_error(api: Api) -> None:
    api.deploy("divide", "result = 10 / divisor")
    started = start(api.client, api.office, "divide", data={"divisor": 0})
    assert started["status"] == "error"
    url = f"/api/v1/process-instances/{started['id']}/retry"
    body = api.client.post(url, headers=api.office, json={"data": {"divisor": 4}}).get_json()
    assert body["status"] == "completed"
    assert body["error"] is None


@pytest.mark.parametrize(
    ("script", "blocked"),
    [
        ("result = open(@CANARY@).read()", "name 'open' is not defined"),
        ("result = __import__('os').system('touch @MARK@')", '"__import__" is an invalid'),
        (
            "result = now.__globals__['__builtins__']['open'](@CANARY@).read()",
            '"__globals__" is an invalid',
        ),
        (
            "for i in range(1):\n    result = '{0.__globals__}'.format(now)",
            "format*() methods of `str` is not safe",
        ),
    ],
    ids=["open", "dunder-import", "function-globals", "format"],
)
def test_code_forced_into_the_database_is_still_blocked_at_run_time(
    api: Api, canary: Canary, script: str, blocked: str
) -> None:
    # Deploy refuses some of these; write them into the stored spec as an attacker with database
    # access would, and check that the engine still runs them only in the sandbox.
    api.deploy("forced", "result = 1")
    definition = db.session.query(ProcessDefinition).filter_by(key="forced").one()
    placeholder = json.dumps("result = 1")
    assert definition.spec_json.count(placeholder) == 1
    definition.spec_json = definition.spec_json.replace(
        placeholder, json.dumps(canary.substitute(script))
    )
    db.session.commit()

    started = start(api.client, api.office, "forced")

    assert started["status"] == "error"
    assert started["error"]["element_id"] == "run_script"
    assert blocked in started["error"]["message"]
    assert CANARY_TEXT not in json.dumps(instance(api.client, api.office, started["id"]))
    canary.assert_untouched()
    assert_host_intact()


@pytest.mark.parametrize(
    ("original", "payload"),
    [
        ('"A"', "__import__('os').system('touch @MARK@')"),
        ('"A"', "open(@CANARY@).read()"),
        (">= 90", "== open(@CANARY@).read()"),
    ],
    ids=["output-import", "output-open", "input-open"],
)
def test_decision_table_code_forced_into_the_database_is_blocked_at_run_time(
    api: Api, canary: Canary, original: str, payload: str
) -> None:
    dmn = GRADE_DMN.format(cell='"A"').encode()
    response = upload(api.client, api.owner, ("graded.bpmn", GRADE_BPMN), ("grade.dmn", dmn))
    assert response.status_code == 201, response.get_json()
    definition = db.session.query(ProcessDefinition).filter_by(key="graded").one()
    assert definition.spec_json.count(json.dumps(original)) == 1
    definition.spec_json = definition.spec_json.replace(
        json.dumps(original), json.dumps(canary.substitute(payload))
    )
    db.session.commit()

    started = start(api.client, api.office, "graded", data={"score": 95})

    assert started["status"] == "error"
    assert started["error"]["element_id"] == "grade"
    assert "Error evaluating expression" in started["error"]["message"]
    assert CANARY_TEXT not in json.dumps(instance(api.client, api.office, started["id"]))
    canary.assert_untouched()
    assert_host_intact()
