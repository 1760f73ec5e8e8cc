"""The sandbox's limits hold at run time, whatever the data (issue 19, SECURITY.md S4): code runs
in-process only when its work is proven bounded, multi-instance counts and timer cycles are
checked when they are evaluated, and helpers show no internals. Each failure is an instance
error naming its element by id and name."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.auth.roles import Role
from app.calendar.workdays import WorkdayCalendar
from app.extensions import db
from app.workflow.instances.process_starts import schedule_next
from app.workflow.models import HumanTask, ProcessStart
from app.workflow.scripting import environment as scripting
from app.workflow.scripting.bounds import INLINE_BUDGET
from app.workflow.scripting.environment import SandboxEnvironment
from app.workflow.scripting.sandbox import compile_code, runs_inline
from tests.factories import make_user
from tests.workflow.helpers import bearer, instance, start, upload
from tests.workflow.test_deploy_validation import definitions, linear, user_task

ENV = SandboxEnvironment(WorkdayCalendar())
DOUBLING = "s = s + s\n" * 23
# A list doubled to 8 million items, then its maximum taken 150 times: about 3 s of work or more.
BIG_MAX = "big = [1]\n" + "big = big + big\n" * 23 + "top = max(big)\n" * 150


def script_task(script: str) -> tuple[str, str]:
    return (
        "calc",
        f'<bpmn:scriptTask id="calc" name="计算得分"><bpmn:script>{escape(script)}'
        "</bpmn:script></bpmn:scriptTask>",
    )


def multi_instance(loop: str, sequential: bool = False) -> tuple[str, str]:
    return (
        "fan",
        f"""<bpmn:userTask id="fan" name="分发核查">
          <bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">{loop}
          </bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>""",
    )


def cycle_boundary(expression: str) -> str:
    return f"""<bpmn:boundaryEvent id="nag" name="催办" attachedToRef="work" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeCycle>{escape(expression)}</bpmn:timeCycle>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:endEvent id="nagged" />
    <bpmn:sequenceFlow id="f_nag" sourceRef="nag" targetRef="nagged" />"""


def cycle_wait(expression: str) -> tuple[str, str]:
    return (
        "wait",
        f'<bpmn:intermediateCatchEvent id="wait" name="等待复核"><bpmn:timerEventDefinition>'
        f"<bpmn:timeCycle>{escape(expression)}</bpmn:timeCycle>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
    )


@dataclass
class Api:
    client: FlaskClient
    owner: dict[str, str]
    office: dict[str, str]

    def deploy(self, pid: str, document: bytes) -> Any:
        return upload(self.client, self.owner, (f"{pid}.bpmn", document))

    def run(self, pid: str, document: bytes, **data: Any) -> dict[str, Any]:
        deployed = self.deploy(pid, document)
        assert deployed.status_code == 201, deployed.get_json()
        return start(self.client, self.office, pid, data=data)

    def assert_error_at(
        self, started: dict[str, Any], element: str, name: str, message: str
    ) -> None:
        assert started["status"] == "error", started
        assert started["error"]["element_id"] == element
        assert started["error"]["element_name"] == name
        assert message in started["error"]["message"]
        shown = instance(self.client, self.office, started["id"])
        [failed] = [e for e in shown["events"] if e["kind"] == "error"]
        assert (failed["element_id"], failed["element_name"]) == (element, name)

    def still_serving(self) -> None:
        began = time.perf_counter()
        calm = self.run("calm", linear(script_task("answer = 6 + 36"), pid="calm"))
        assert calm["status"] == "completed"
        assert instance(self.client, self.office, calm["id"])["data"]["answer"] == 42
        assert time.perf_counter() - began < 3.0


@pytest.fixture
def api(client: FlaskClient) -> Api:
    make_user("owner1", Role.PROCESS_OWNER)
    make_user("office1", Role.OFFICE_STAFF)
    return Api(client, bearer(client, "owner1"), bearer(client, "office1"))


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- 1. Every script, condition and expression is bounded --------------------------------------


def test_repeated_doubling_never_runs_in_process() -> None:
    code = compile_code(DOUBLING, "exec")
    assert code.work is not None and code.work.per_input >= 2**23
    assert not runs_inline(code, {"s": "x"}, {})
    assert not runs_inline(compile_code(BIG_MAX, "exec"), {}, {})


def test_repeated_work_over_large_data_runs_in_process_only_while_small() -> None:
    code = compile_code("top = max(scores)\n" * 80, "exec")
    assert runs_inline(code, {"scores": list(range(100))}, {})
    assert not runs_inline(code, {"scores": list(range(40_000))}, {})
    data: dict[str, Any] = {"scores": list(range(40_000))}
    ENV.execute("top = max(scores)\n" * 80, data)  # in the capped process, well within time
    assert data["top"] == 39_999


@pytest.mark.parametrize(
    "source",
    [
        "score >= 90 and decision == 'approve'",
        "a + b > 6",
        "workday_deadline(submitted_on, 5)",
        "len(items) > 0 and unit_code in ('FGW', 'JYT')",
    ],
)
def test_ordinary_conditions_stay_in_process(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_child(*args: Any) -> Any:
        raise AssertionError("ran in the separate process")

    monkeypatch.setattr(scripting, "runner", no_child)
    data = {
        "score": 92,
        "decision": "approve",
        "a": 3,
        "b": 4,
        "submitted_on": "2026-03-02T10:00:00+08:00",
        "items": [1, 2, 3],
        "unit_code": "FGW",
        "comment": "同意" * 200,
    }
    assert ENV.evaluate(source, data) not in (None, False)


# What runs in-process at the edge of the budget: the costliest work the bound admits.
EDGE_CASES: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
    ("str(xs)", lambda n: {"xs": [[i, {"k": 1.5}] for i in range(n)]}),
    ("xs == ys", lambda n: {"xs": [{"a": [i, str(i)]} for i in range(n)], "ys": []}),
    ("sorted(xs)", lambda n: {"xs": [f"{i * 7919 % 100_003:08d}" for i in range(n)]}),
    ("dict(xs)", lambda n: {"xs": [(f"k{i}", i) for i in range(n)]}),
    ("top = max(xs)\n" * 80, lambda n: {"xs": list(range(n))}),
    ("s.split(',')", lambda n: {"s": "a," * n}),
    ("Decimal(s) / 3", lambda n: {"s": "7" * n}),
]


def _largest_inline(source: str, make: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    code = compile_code(source, "eval" if "\n" not in source else "exec")
    low, high = 1, 2
    while runs_inline(code, make(high), {}):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if runs_inline(code, make(middle), {}) else (low, middle)
    return make(low)


@pytest.mark.parametrize(("source", "make"), EDGE_CASES, ids=[c[0][:20] for c in EDGE_CASES])
def test_the_costliest_in_process_work_takes_milliseconds(
    source: str, make: Callable[[int], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _largest_inline(source, make)
    monkeypatch.setattr(scripting, "runner", lambda: pytest.fail("not in-process"))
    began = time.thread_time()
    if "\n" in source:
        ENV.execute(source, dict(data))
    else:
        ENV.evaluate(source, data)
    assert time.thread_time() - began < 0.15  # about 15 ms measured; the child allows 2 s


def test_working_day_helpers_count_their_days() -> None:
    literal = compile_code("workday_deadline(now(), 5)", "eval")
    assert literal.work is not None and literal.work.fixed < INLINE_BUDGET // 100
    unknown = compile_code("x = workday_deadline(d, n)\n" * 2, "exec")
    assert not runs_inline(unknown, {"d": "2026-01-01", "n": 3}, {})  # n may be 3,660
    began = time.thread_time()
    data: dict[str, Any] = {"d": "2026-01-01T00:00:00+08:00", "n": -3660}
    ENV.execute("x = workday_deadline(d, n)\ny = add_workdays(date(2040, 1, 1), 3660)", data)
    assert time.thread_time() - began < 0.5
    assert data["x"].year == 2011


def test_doubling_a_string_ends_in_error_at_its_element_and_memory_stays_bounded(
    api: Api,
) -> None:
    before = _peak_memory_mb()
    began = time.perf_counter()
    started = api.run("doubling", linear(script_task(DOUBLING), pid="doubling"), s="x" * 100)
    assert time.perf_counter() - began < 4.0
    api.assert_error_at(started, "calc", "计算得分", "MemoryError")
    assert "too much memory" in started["error"]["message"]
    assert _peak_memory_mb() - before < 200  # 100 bytes doubled 23 times would be 800 MB
    api.still_serving()


def test_repeated_max_over_a_big_list_is_stopped_at_the_time_limit(api: Api) -> None:
    began, cpu = time.perf_counter(), time.thread_time()
    started = api.run("big_max", linear(script_task(BIG_MAX), pid="big_max"))
    elapsed, cpu_used = time.perf_counter() - began, time.thread_time() - cpu
    api.assert_error_at(started, "calc", "计算得分", "longer than 2 s")
    assert elapsed < 4.0
    # The work was done elsewhere: this thread (a web worker's) held the interpreter for little.
    assert cpu_used < 1.0
    api.still_serving()


# --- 2. The multi-instance limit, whatever gives the count ------------------------------------


def _human_tasks(instance_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(HumanTask).where(HumanTask.instance_id == instance_id)
    ).scalar_one()


@pytest.mark.parametrize("sequential", [False, True], ids=["parallel", "sequential"])
def test_a_cardinality_from_data_above_the_limit_creates_nothing(
    api: Api, sequential: bool
) -> None:
    cardinality = "<bpmn:loopCardinality>n</bpmn:loopCardinality>"
    document = linear(multi_instance(cardinality, sequential), pid="mi")
    began = time.perf_counter()
    started = api.run("mi", document, n=20_000)
    assert time.perf_counter() - began < 3.0
    api.assert_error_at(started, "fan", "分发核查", "cardinality 20000 is above the limit of 1000")
    assert _human_tasks(started["id"]) == 0

    within = start(api.client, api.office, "mi", data={"n": 3})
    assert within["status"] == "waiting"
    assert _human_tasks(within["id"]) == (1 if sequential else 3)


@pytest.mark.parametrize("sequential", [False, True], ids=["parallel", "sequential"])
def test_a_collection_above_the_limit_creates_nothing(api: Api, sequential: bool) -> None:
    loop = (
        "<bpmn:loopDataInputRef>experts</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="expert" name="expert" />'
    )
    document = linear(multi_instance(loop, sequential), pid="mi_items")
    started = api.run("mi_items", document, experts=[1] * 1001)
    api.assert_error_at(started, "fan", "分发核查", "1001 items, above the limit of 1000")
    assert _human_tasks(started["id"]) == 0
    within = start(api.client, api.office, "mi_items", data={"experts": [1, 2]})
    assert _human_tasks(within["id"]) == (1 if sequential else 2)


# --- 3. No timer cycle more often than hourly, however it is written ---------------------------

WORK = user_task("work", formJsonSchemaFilename="draft.schema.json")


@pytest.mark.parametrize(
    ("expression", "data"),
    [
        ("'R/PT' + str(1) + 'S'", {}),
        ("cycle", {"cycle": "R/PT1S"}),
        ("cycle", {"cycle": "R5/PT59M"}),
    ],
    ids=["built", "from-data", "from-data-minutes"],
)
def test_a_computed_cycle_too_often_is_an_error_at_its_element(
    api: Api, expression: str, data: dict[str, Any]
) -> None:
    boundary = api.run(
        "nagging", linear(WORK, extra=cycle_boundary(expression), pid="nagging"), **data
    )
    api.assert_error_at(boundary, "nag", "催办", "more often than once an hour")
    waiting = api.run("waiting", linear(cycle_wait(expression), pid="waiting"), **data)
    api.assert_error_at(waiting, "wait", "等待复核", "more often than once an hour")


def test_a_computed_hourly_cycle_is_accepted(api: Api) -> None:
    started = api.run("hourly", linear(cycle_wait("cycle"), pid="hourly"), cycle="R2/PT1H")
    assert started["status"] == "waiting"


def _timer_start(expression: str) -> bytes:
    return definitions(
        f"""<bpmn:startEvent id="tick" name="每秒启动"><bpmn:timerEventDefinition>
          <bpmn:timeCycle>{escape(expression)}</bpmn:timeCycle></bpmn:timerEventDefinition>
        </bpmn:startEvent>
        <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end" />
        <bpmn:endEvent id="end" />""",
        "ticking",
    )


@pytest.mark.parametrize("expression", ["'R/PT' + str(1) + 'S'", "'R/PT' + 'X'", "missing"])
def test_a_timer_start_event_is_evaluated_and_checked_at_deploy(api: Api, expression: str) -> None:
    response = api.deploy("ticking", _timer_start(expression))
    assert response.status_code == 422, response.get_json()
    [problem] = response.get_json()["error"]["details"]
    assert problem["element_id"] == "tick" and problem["message"].startswith("timer:")
    assert db.session.execute(select(func.count()).select_from(ProcessStart)).scalar_one() == 0


def test_a_stored_start_cycle_too_often_is_not_scheduled_again(api: Api) -> None:
    now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert schedule_next(db.session, "old", "cycle", "R/PT1S", now=now) is None
    assert schedule_next(db.session, "old", "cycle", "R/PT1H", now=now) is not None


# --- 4. Helpers show their names only ---------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "s = str(workday_deadline)\nt = str(now)\nu = [is_workday]",
        "for i in range(1):\n    s = str(workday_deadline)\n    t = str(now)\n    u = [is_workday]",
    ],
    ids=["in-process", "separate-process"],
)
def test_helpers_put_only_their_names_into_task_data(api: Api, script: str) -> None:
    started = api.run("helpers", linear(script_task(script), pid="helpers"))
    assert started["status"] == "completed", started
    shown = instance(api.client, api.office, started["id"])
    data = shown["data"]
    assert data["s"] == "<helper workday_deadline>" and data["t"] == "<helper now>"
    assert data["u"] == ["<helper is_workday>"]
    text = json.dumps(shown)
    assert "0x" not in text and "WorkdayCalendar" not in text and "bound method" not in text
