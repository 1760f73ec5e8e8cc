"""Deploy-time validation of uploaded diagrams, through the API: SECURITY.md S1 (XXE), S2 (bombs
and size), S3 (escape payloads refused at upload), S4 (cardinality and timer cycles), and the
deploy checks of the workflow issue (every problem is a 422 naming its element)."""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.roles import Role
from app.extensions import db
from tests.factories import make_user
from tests.workflow.helpers import bearer, instance, start, upload

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CANARY_TEXT = "CANARY-7f3c9e-do-not-leak"


def definitions(body: str, pid: str = "p_check", *, lanes: str = "", name: str = "") -> bytes:
    """One spiff BPMN document holding one executable process."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}"
                  id="Defs_{pid}" targetNamespace="http://jixiao.test/{pid}">
  <bpmn:process id="{pid}" name="{name or pid}" isExecutable="true">
    {lanes}
    {body}
  </bpmn:process>
</bpmn:definitions>
""".encode()


def linear(
    *nodes: tuple[str, str], pid: str = "p_check", lanes: str = "", extra: str = ""
) -> bytes:
    """start → each node in turn → end (plus `extra` elements off the main path)."""
    ids = ["start", *(node_id for node_id, _xml in nodes), "end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="f{n}" sourceRef="{a}" targetRef="{b}" />'
        for n, (a, b) in enumerate(itertools.pairwise(ids))
    )
    body = (
        '<bpmn:startEvent id="start" />'
        + "".join(xml for _id, xml in nodes)
        + '<bpmn:endEvent id="end" />'
        + flows
        + extra
    )
    return definitions(body, pid, lanes=lanes)


def script_task(task_id: str, script: str) -> tuple[str, str]:
    return (
        task_id,
        f'<bpmn:scriptTask id="{task_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>',
    )


def user_task(task_id: str, **props: str) -> tuple[str, str]:
    properties = "".join(
        f'<spiffworkflow:property name="{k}" value="{escape(v, {chr(34): "&quot;"})}" />'
        for k, v in props.items()
    )
    extension = (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f"{properties}</spiffworkflow:properties></bpmn:extensionElements>"
        if properties
        else ""
    )
    return task_id, f'<bpmn:userTask id="{task_id}" name="{task_id}">{extension}</bpmn:userTask>'


def lane_set(*lanes: tuple[str, str, list[str]]) -> str:
    """`(lane id, lane name, [flow node ids])` for each lane."""
    parts = []
    for lane_id, lane_name, refs in lanes:
        nodes = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in refs)
        parts.append(f'<bpmn:lane id="{lane_id}" name="{lane_name}">{nodes}</bpmn:lane>')
    return f'<bpmn:laneSet id="LaneSet_1">{"".join(parts)}</bpmn:laneSet>'


@pytest.fixture
def owner(client: FlaskClient) -> dict[str, str]:
    make_user("owner1", Role.PROCESS_OWNER)
    return bearer(client, "owner1")


def send(client: FlaskClient, headers: dict[str, str], data: bytes, name: str = "x.bpmn") -> Any:
    return upload(client, headers, (name, data))


def deployed(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/process-definitions", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def problems(client: FlaskClient, headers: dict[str, str], data: bytes) -> list[dict[str, Any]]:
    """Upload `data`, expect a 422 invalid_diagram, and return its details."""
    response = send(client, headers, data, "check.bpmn")
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_diagram", error
    assert isinstance(error["details"], list) and error["details"], error
    for detail in error["details"]:
        assert set(detail) == {"message", "element_id", "file"}, detail
    assert deployed(client, headers) == []
    return error["details"]  # type: ignore[no-any-return]


def problem_at(client: FlaskClient, headers: dict[str, str], data: bytes, element_id: str) -> str:
    """The message of the problem reported at `element_id` (which must be reported)."""
    details = problems(client, headers, data)
    found = [d for d in details if d["element_id"] == element_id]
    assert found, details
    return str(found[0]["message"])


def all_database_text() -> str:
    """Every row of every table, as text (to look for leaked strings)."""
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


# --- S1: XXE -------------------------------------------------------------------------------


def _xxe_document(canary: Path) -> str:
    return f"""<?xml version="1.0" encoding="{{enc}}"?>
<!DOCTYPE bpmn:definitions [<!ENTITY x SYSTEM "file://{canary}">]>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="Defs_x" targetNamespace="http://jixiao.test/x">
  <bpmn:process id="xxe" name="&x;" isExecutable="true">
    <bpmn:startEvent id="start" name="&x;" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A secret file; its access time is set before its modification time, so a read shows."""
    path = tmp_path / "canary.txt"
    path.write_text(CANARY_TEXT)
    mtime = path.stat().st_mtime_ns
    os.utime(path, ns=(mtime - 3600 * 10**9, mtime))
    return path


def assert_not_read(path: Path) -> None:
    stat = path.stat()  # on a noatime mount this holds trivially
    assert stat.st_atime_ns < stat.st_mtime_ns, f"{path.name} was read"


def _encoded(text: str, codec: str) -> bytes:
    if codec == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(codec)  # "utf-16" and "utf-32" write a little-endian BOM


def _refused_without_leak(
    client: FlaskClient,
    owner: dict[str, str],
    data: bytes,
    canary: Path,
    caplog: pytest.LogCaptureFixture,
) -> dict[str, Any]:
    caplog.set_level(logging.DEBUG)
    response = send(client, owner, data, "xxe.bpmn")
    assert_not_read(canary)
    assert response.status_code == 400, response.get_json()
    assert CANARY_TEXT not in response.get_data(as_text=True)
    error: dict[str, Any] = response.get_json()["error"]
    assert error["code"] == "unsafe_xml"
    assert deployed(client, owner) == []
    assert CANARY_TEXT not in all_database_text()
    assert CANARY_TEXT not in caplog.text
    return error


@pytest.mark.parametrize(
    ("encoding", "codec"),
    [("UTF-8", "utf-8"), ("UTF-16", "utf-16"), ("UTF-16", "utf-16-be-bom")],
)
def test_xxe_is_refused_as_doctype_and_the_canary_never_leaks(
    client: FlaskClient,
    owner: dict[str, str],
    canary: Path,
    encoding: str,
    codec: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = _encoded(_xxe_document(canary).replace("{enc}", encoding), codec)
    error = _refused_without_leak(client, owner, data, canary, caplog)
    assert "DOCTYPE not allowed" in error["message"]


def test_xxe_in_utf32_is_refused_and_the_canary_never_leaks(
    client: FlaskClient, owner: dict[str, str], canary: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = _encoded(_xxe_document(canary).replace("{enc}", "UTF-32"), "utf-32")
    _refused_without_leak(client, owner, data, canary, caplog)


def test_xxe_in_utf32_is_reported_as_doctype(
    client: FlaskClient, owner: dict[str, str], canary: Path
) -> None:
    data = _encoded(_xxe_document(canary).replace("{enc}", "UTF-32"), "utf-32")
    response = send(client, owner, data, "xxe.bpmn")
    assert response.status_code == 400
    assert "DOCTYPE not allowed" in response.get_json()["error"]["message"]


# --- S2: bombs and size --------------------------------------------------------------------


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError("no VmRSS")


def _refused_fast_and_small(client: FlaskClient, owner: dict[str, str], data: bytes) -> Any:
    rss = _rss_bytes()
    began = time.perf_counter()
    response = send(client, owner, data, "bomb.bpmn")
    assert time.perf_counter() - began < 1.0
    assert _rss_bytes() - rss < 50 * 1024 * 1024
    assert deployed(client, owner) == []
    return response


def test_billion_laughs_is_refused_fast(client: FlaskClient, owner: dict[str, str]) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    data = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [{"".join(entities)}]>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="D" targetNamespace="http://x">
  <bpmn:process id="lol" name="&lol9;" isExecutable="true"><bpmn:startEvent id="s" /></bpmn:process>
</bpmn:definitions>""".encode()

    response = _refused_fast_and_small(client, owner, data)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "unsafe_xml"
    assert "DOCTYPE not allowed" in response.get_json()["error"]["message"]


def test_quadratic_blowup_is_refused_fast(client: FlaskClient, owner: dict[str, str]) -> None:
    # One 50 kB entity referenced 50 000 times: 2.5 GB once expanded, 200 kB on the wire.
    data = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY a "{"x" * 50_000}">]>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="D" targetNamespace="http://x">
  <bpmn:process id="quad" isExecutable="true">
    <bpmn:documentation>{"&a;" * 50_000}</bpmn:documentation>
  </bpmn:process>
</bpmn:definitions>""".encode()

    response = _refused_fast_and_small(client, owner, data)

    assert response.status_code == 400
    assert "DOCTYPE not allowed" in response.get_json()["error"]["message"]


def test_xinclude_is_not_processed(
    client: FlaskClient, owner: dict[str, str], canary: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    include = f'<xi:include href="file://{canary}" parse="text" />'
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:xi="http://www.w3.org/2001/XInclude"
                  id="Defs_xi" targetNamespace="http://jixiao.test/xi">
  <bpmn:process id="xi_process" isExecutable="true">
    <bpmn:extensionElements>{include}</bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()
    response = send(client, owner, data, "xi.bpmn")
    assert_not_read(canary)
    assert response.status_code in (201, 400, 422), response.get_json()
    assert CANARY_TEXT not in response.get_data(as_text=True)
    assert CANARY_TEXT not in json.dumps(deployed(client, owner))
    assert CANARY_TEXT not in all_database_text()
    assert CANARY_TEXT not in caplog.text


def test_a_file_over_5_mb_is_a_413(client: FlaskClient, owner: dict[str, str]) -> None:
    filler = "x" * (6 * 1024 * 1024)
    data = definitions(f'<bpmn:startEvent id="s" name="{filler}" />', "big")
    began = time.perf_counter()
    response = send(client, owner, data, "big.bpmn")
    assert time.perf_counter() - began < 1.0
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert "big.bpmn" in error["message"]
    assert deployed(client, owner) == []


def test_a_body_over_the_request_cap_is_a_413_json_error(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    data = b"<a>" + b"x" * (21 * 1024 * 1024) + b"</a>"
    response = client.post(
        "/api/v1/process-definitions",
        headers=owner,
        data={"file": [(io.BytesIO(data), "huge.bpmn")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.is_json
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert deployed(client, owner) == []


# --- Not XML, not BPMN ---------------------------------------------------------------------


def test_xml_that_is_not_well_formed_is_a_400(client: FlaskClient, owner: dict[str, str]) -> None:
    response = send(client, owner, b"<bpmn:definitions><unclosed></bpmn:definitions>", "bad.bpmn")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unsafe_xml"
    assert "not well-formed" in error["message"] and "bad.bpmn" in error["message"]


def test_xsd_invalid_bpmn_is_a_422_with_details(client: FlaskClient, owner: dict[str, str]) -> None:
    data = linear(("weird", '<bpmn:fancyTask id="weird" />'))
    details = problems(client, owner, data)
    assert any("fancyTask" in d["message"] for d in details), details
    assert all(d["file"] == "check.bpmn" for d in details), details


# --- Code, lanes, forms, services, timers, multi-instance, call activities -----------------


def test_script_with_a_syntax_error(client: FlaskClient, owner: dict[str, str]) -> None:
    data = linear(script_task("calc", "x = = 1"))
    message = problem_at(client, owner, data, "calc")
    assert "script" in message and "syntax error" in message


def test_condition_with_a_forbidden_name(client: FlaskClient, owner: dict[str, str]) -> None:
    body = """
    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="gate" default="f_no" />
    <bpmn:endEvent id="yes" />
    <bpmn:endEvent id="no" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gate" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="gate" targetRef="yes">
      <bpmn:conditionExpression>__import__('os').system('id') == 0</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gate" targetRef="no" />
    """
    message = problem_at(client, owner, definitions(body), "gate")
    assert "condition" in message and "__import__" in message


def test_lane_that_names_no_role(client: FlaskClient, owner: dict[str, str]) -> None:
    lanes = lane_set(("Lane_1", "审核人", ["start", "review", "end"]))
    data = linear(user_task("review", formJsonSchemaFilename="decision.schema.json"), lanes=lanes)
    message = problem_at(client, owner, data, "review")
    assert "审核人" in message and "names no role" in message


def test_user_task_outside_every_lane(client: FlaskClient, owner: dict[str, str]) -> None:
    lanes = lane_set(("Lane_1", "unit_staff", ["start", "draft", "end"]))
    data = linear(
        user_task("draft", formJsonSchemaFilename="draft.schema.json"),
        user_task("stray", formJsonSchemaFilename="decision.schema.json"),
        lanes=lanes,
    )
    details = problems(client, owner, data)
    assert [d["element_id"] for d in details] == ["stray"], details
    assert "in no lane" in details[0]["message"]


def test_form_that_does_not_exist(client: FlaskClient, owner: dict[str, str]) -> None:
    data = linear(user_task("fill", formJsonSchemaFilename="nowhere.schema.json"))
    message = problem_at(client, owner, data, "fill")
    assert "nowhere.schema.json" in message and "does not exist" in message


def test_form_that_is_not_a_valid_json_schema(client: FlaskClient, owner: dict[str, str]) -> None:
    data = linear(user_task("fill", formJsonSchemaFilename="broken_invalid.schema.json"))
    message = problem_at(client, owner, data, "fill")
    assert "broken_invalid.schema.json" in message and "not a valid JSON Schema" in message


def test_service_task_naming_an_unregistered_operation(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    service = """<bpmn:serviceTask id="call_out"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="steal_everything" resultVariable="loot">
        <spiffworkflow:parameters>
          <spiffworkflow:parameter id="target" type="str" value="'all'" />
        </spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator>
    </bpmn:extensionElements></bpmn:serviceTask>"""
    message = problem_at(client, owner, linear(("call_out", service)), "call_out")
    assert "steal_everything" in message and "not registered" in message


def timer_event(event_id: str, kind: str, expression: str) -> tuple[str, str]:
    return event_id, (
        f'<bpmn:intermediateCatchEvent id="{event_id}"><bpmn:timerEventDefinition>'
        f"<bpmn:{kind}>{expression}</bpmn:{kind}>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )


def test_timer_that_is_not_iso_8601(client: FlaskClient, owner: dict[str, str]) -> None:
    data = linear(timer_event("wait", "timeDuration", '"tomorrow"'))
    message = problem_at(client, owner, data, "wait")
    assert "tomorrow" in message and "ISO 8601" in message


def test_timer_cycle_every_second(client: FlaskClient, owner: dict[str, str]) -> None:
    task = user_task("work", formJsonSchemaFilename="draft.schema.json")
    boundary = """<bpmn:boundaryEvent id="nag" attachedToRef="work" cancelActivity="false">
      <bpmn:timerEventDefinition><bpmn:timeCycle>"R/PT1S"</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="nagged" />
    <bpmn:sequenceFlow id="f_nag" sourceRef="nag" targetRef="nagged" />"""
    data = linear(task, extra=boundary)
    message = problem_at(client, owner, data, "nag")
    assert "R/PT1S" in message and "once an hour" in message


def test_multi_instance_with_a_billion_instances(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    task = """<bpmn:scriptTask id="fan_out">
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopCardinality>1000000000</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>x = 1</bpmn:script>
    </bpmn:scriptTask>"""
    message = problem_at(client, owner, linear(("fan_out", task)), "fan_out")
    assert "cardinality" in message and "1000" in message


def test_call_activity_calling_an_unknown_process(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    data = linear(("call_it", '<bpmn:callActivity id="call_it" calledElement="ghost_process" />'))
    message = problem_at(client, owner, data, "call_it")
    assert "ghost_process" in message and "neither in this upload nor deployed" in message


# --- What does deploy ----------------------------------------------------------------------


def test_valid_upload_deploys_and_a_second_upload_is_version_2(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    data = linear(script_task("calc", "total = 1 + 2"), pid="simple_calc")
    first = send(client, owner, data, "simple.bpmn")
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["key"], first.get_json()["version"]) == ("simple_calc", 1)
    second = send(client, owner, data, "simple.bpmn")
    assert second.status_code == 201, second.get_json()
    assert (second.get_json()["key"], second.get_json()["version"]) == ("simple_calc", 2)
    versions = [(d["key"], d["version"]) for d in deployed(client, owner)]
    assert versions == [("simple_calc", 2), ("simple_calc", 1)]


def test_only_process_owners_deploy(client: FlaskClient, owner: dict[str, str]) -> None:
    make_user("office1", Role.OFFICE_STAFF)
    staff = bearer(client, "office1")
    response = send(client, staff, linear(script_task("calc", "x = 1"), pid="sneaky"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert deployed(client, owner) == []


# --- S3: escape payloads are refused at upload in every position that holds code ----------

REFUSED_AT_UPLOAD = {
    "dunder-import": "__import__('os').system('id')",
    "subclasses": "().__class__.__base__.__subclasses__()",
    "wrap-close-globals": "[c for c in ().__class__.__base__.__subclasses__() "
    "if c.__name__ == '_wrap_close'][0].__init__.__globals__['system']('id')",
    "function-globals": "now.__globals__['__builtins__']['open']('/etc/passwd')",
    "builtins": "__builtins__['open']('/etc/passwd')",
    "eval": "eval('1')",
    "exec": "exec('x = 1')",
    "fstring-dunder": "f'{now.__globals__}'",
    "generator-frame": "(x for x in [1]).gi_frame.f_back",
    "getframe": "sys._getframe(1)",
    "decimal-dunder": "Decimal.__add__",
}


def _gateway(condition: str) -> bytes:
    body = f"""
    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="pos" default="f_no" />
    <bpmn:endEvent id="yes" />
    <bpmn:endEvent id="no" />
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="pos" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="pos" targetRef="yes">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="pos" targetRef="no" />
    """
    return definitions(body)


def _multi_instance(cardinality: str) -> bytes:
    task = f"""<bpmn:scriptTask id="pos">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>x = 1</bpmn:script>
    </bpmn:scriptTask>"""
    return linear(("pos", task))


def _pre_script(script: str) -> bytes:
    task = f"""<bpmn:manualTask id="pos"><bpmn:extensionElements>
      <spiffworkflow:preScript>{escape(script)}</spiffworkflow:preScript>
    </bpmn:extensionElements></bpmn:manualTask>"""
    return linear(("pos", task))


POSITIONS: dict[str, tuple[Any, str]] = {
    # position: (document for a payload, what the message starts with)
    "script": (lambda p: linear(script_task("pos", escape(f"r = {p}"))), "script:"),
    "pre-script": (lambda p: _pre_script(f"r = {p}"), "prescript:"),
    "condition": (_gateway, "condition:"),
    "timer": (lambda p: linear(timer_event("pos", "timeDuration", escape(p))), "timer:"),
    "cardinality": (_multi_instance, "cardinality:"),
    "due-date": (lambda p: linear(user_task("pos", dueDate=p)), "due date:"),
}


@pytest.mark.parametrize("position", sorted(POSITIONS))
def test_escape_payloads_are_refused_at_upload(
    client: FlaskClient, owner: dict[str, str], position: str
) -> None:
    document, prefix = POSITIONS[position]
    for name, payload in REFUSED_AT_UPLOAD.items():
        message = problem_at(client, owner, document(payload), "pos")
        assert message.startswith(prefix), (name, message)


@pytest.mark.parametrize(
    "script",
    [
        "import os",
        "r = open('/etc/passwd').read()",
        "r = getattr(now, '__globals__')",
        "r = '{0.__class__}'.format(1)",
        "r = type(now)",
    ],
    ids=["import", "open", "getattr", "str-format", "type"],
)
def test_escape_payloads_that_fail_only_at_run_time_are_refused_at_upload(
    client: FlaskClient, owner: dict[str, str], script: str
) -> None:
    message = problem_at(client, owner, linear(script_task("pos", escape(script))), "pos")
    assert message.startswith("script:")


GRADE_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="Defs_grade" name="grade"
             namespace="http://jixiao.test/grade">
  <decision id="grade_table" name="grade">
    <decisionTable id="dt_grade" hitPolicy="UNIQUE">
      <input id="in_score" label="score">
        <inputExpression id="in_score_expr" typeRef="number"><text>score</text></inputExpression>
      </input>
      <output id="out_grade" label="grade" name="grade" typeRef="string" />
      <rule id="rule_a">
        <inputEntry id="rule_a_in"><text>&gt;= 90</text></inputEntry>
        <outputEntry id="rule_a_out"><text>{cell}</text></outputEntry>
      </rule>
      <rule id="rule_b">
        <inputEntry id="rule_b_in"><text>&lt; 90</text></inputEntry>
        <outputEntry id="rule_b_out"><text>"B"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""

GRADE_BPMN = linear(
    (
        "grade",
        '<bpmn:businessRuleTask id="grade"><bpmn:extensionElements>'
        "<spiffworkflow:calledDecisionId>grade_table</spiffworkflow:calledDecisionId>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>",
    ),
    pid="graded",
)


def test_a_clean_decision_table_deploys_and_runs(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    dmn = GRADE_DMN.format(cell='"A"').encode()
    response = upload(client, owner, ("graded.bpmn", GRADE_BPMN), ("grade.dmn", dmn))
    assert response.status_code == 201, response.get_json()
    make_user("office1", Role.OFFICE_STAFF)
    started = start(client, bearer(client, "office1"), "graded", data={"score": 95})
    assert started["status"] == "completed", started
    shown = instance(client, bearer(client, "office1"), started["id"])
    assert shown["data"]["grade"] == "A"


def test_escape_payload_in_a_decision_table_is_refused_at_upload(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    dmn = GRADE_DMN.format(cell=escape("__import__('os').getpid()")).encode()
    response = upload(client, owner, ("graded.bpmn", GRADE_BPMN), ("grade.dmn", dmn))
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert any("__import__" in d["message"] for d in details), details


def test_problems_name_the_file_that_holds_the_element(
    client: FlaskClient, owner: dict[str, str]
) -> None:
    good = linear(script_task("calc", "x = 1"), pid="good_one")
    bad = linear(script_task("broken", "x = = 1"), pid="bad_one")
    response = upload(client, owner, ("good.bpmn", good), ("bad.bpmn", bad))
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert [(d["element_id"], d["file"]) for d in details] == [("broken", "bad.bpmn")]
