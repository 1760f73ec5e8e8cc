"""Deploying test diagrams and driving them through the API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from tests.factories import api_token

DIAGRAMS = Path(__file__).resolve().parent.parent / "diagrams"


def bearer(client: FlaskClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def upload(client: FlaskClient, headers: dict[str, str], *files: str | tuple[str, bytes]) -> Any:
    payload = []
    for item in files:
        name, data = (item, (DIAGRAMS / item).read_bytes()) if isinstance(item, str) else item
        payload.append((io.BytesIO(data), name))
    return client.post(
        "/api/v1/process-definitions",
        headers=headers,
        data={"file": payload},
        content_type="multipart/form-data",
    )


def start(client: FlaskClient, headers: dict[str, str], key: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/process-instances", headers=headers, json={"process_key": key, **body}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def inbox(client: FlaskClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def complete(client: FlaskClient, headers: dict[str, str], task_id: str, **data: Any) -> Any:
    return client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers, json={"data": data})


def instance(client: FlaskClient, headers: dict[str, str], instance_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/process-instances/{instance_id}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def script_process(pid: str, script: str) -> bytes:
    """start → script task `run_script` → end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="Defs_{pid}" targetNamespace="http://jixiao.test/{pid}">
  <bpmn:process id="{pid}" name="{pid}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run_script" />
    <bpmn:scriptTask id="run_script" name="计算"><bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="run_script" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()
