"""The inbox, task, process and instance pages, with server-rendered forms and evidence files."""

from __future__ import annotations

import hashlib
import io
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.roles import Role
from app.db import utcnow
from app.evidence.models import EvidenceFile
from app.evidence.sweep import GRACE, sweep_evidence_store
from app.extensions import db
from app.org.models import Unit
from app.workflow.definitions.element_names import element_names
from app.workflow.models import ProcessInstance
from app.workflow.pages import blueprint
from tests.factories import make_unit, make_user, page_csrf, sign_in
from tests.workflow.helpers import DIAGRAMS, bearer, inbox, start, upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def people(client: FlaskClient) -> dict[str, Any]:
    unit = make_unit("FGW", name="江西省发展和改革委员会")
    other = make_unit("JYT", name="江西省教育厅")
    return {
        "owner": make_user("owner1", Role.PROCESS_OWNER),
        "office": make_user("office1", Role.OFFICE_STAFF),
        "staff": make_user("unit1", (Role.UNIT_STAFF, unit)),
        "outsider": make_user("unit2", (Role.UNIT_STAFF, other)),
    }


def _deploy_page(client: FlaskClient, *names: str) -> Any:
    sign_in(client, "owner1")
    token = page_csrf(client, "/processes")
    files = [(io.BytesIO((DIAGRAMS / n).read_bytes()), n) for n in names]
    response = client.post(
        "/processes/deploy",
        data={"csrf_token": token, "file": files},
        content_type="multipart/form-data",
    )
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    return response


def _start_page(client: FlaskClient, key: str, unit: str | None = None) -> int:
    sign_in(client, "office1")
    response = client.post(
        "/processes/start",
        data={
            "csrf_token": page_csrf(client, "/processes"),
            "process_key": key,
            "unit_code": unit or "",
            "year": "2026",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _task_link(html: str) -> str:
    match = re.search(r'href="(/tasks/[0-9a-f-]{36})"', html)
    assert match, "no task link in the inbox"
    return match.group(1)


def test_a_process_owner_deploys_on_the_page_and_sees_problems(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    ok = _deploy_page(client, "review_lanes.bpmn")
    assert ok.status_code == 302
    broken = (
        (DIAGRAMS / "review_lanes.bpmn").read_text().replace('name="unit_head"', 'name="负责人"')
    )
    sign_in(client, "owner1")
    token = page_csrf(client, "/processes")
    refused = client.post(
        "/processes/deploy",
        data={"csrf_token": token, "file": [(io.BytesIO(broken.encode()), "review_lanes.bpmn")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "<code>sign</code>" in page and "names no role" in page
    listing = client.get("/processes").get_data(as_text=True)
    assert "review_lanes" in listing and "v1" in listing and "v2" not in listing


def test_unit_staff_work_a_task_through_the_page_with_field_errors(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "review_lanes.bpmn")
    instance_id = _start_page(client, "review_lanes", "FGW")
    sign_in(client, "unit1")
    inbox = client.get("/tasks").get_data(as_text=True)
    link = _task_link(inbox)
    form = client.get(link).get_data(as_text=True)
    assert '<label class="form-label fw-semibold" for="f-title">标题' in form
    token = page_csrf(client, link)
    bad = client.post(link, data={"csrf_token": token, "title": "x", "weight": "500"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="f-title-errors"' in html and 'id="f-weight-errors"' in html
    summary = html[html.index('data-testid="error-summary"') : html.index('enctype="multipart')]
    assert '<a class="alert-link" href="#f-title-field">标题</a>' in summary  # and listed on top
    assert 'id="f-title-field"' in html
    assert 'value="x"' in html  # what the user typed is kept
    good = client.post(link, data={"csrf_token": token, "title": "优化营商环境", "weight": "20"})
    assert good.status_code == 302
    assert _task_link_absent(client)
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "负责人审核" in page and 'data-done="' in page


def _task_link_absent(client: FlaskClient) -> bool:
    return (
        re.search(r'href="/tasks/[0-9a-f-]{36}"', client.get("/tasks").get_data(as_text=True))
        is None
    )


def test_other_units_see_neither_the_task_nor_the_instance(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "review_lanes.bpmn")
    instance_id = _start_page(client, "review_lanes", "FGW")
    sign_in(client, "unit1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit2")
    assert client.get(link).status_code == 404
    assert client.get(f"/instances/{instance_id}").status_code == 404
    assert _task_link_absent(client)


def test_evidence_files_are_checked_stored_and_served_as_attachments(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "progress_report.bpmn")
    _start_page(client, "progress_report_test")
    sign_in(client, "office1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    page = client.get(link).get_data(as_text=True)
    assert 'type="file"' in page and 'name="milestones.0.name"' in page
    token = page_csrf(client, link)
    fields = {
        "csrf_token": token,
        "summary": "按计划推进中",
        "percent": "60",
        "reported_on": "2026-11-20",
        "on_track": "on",
        "channels": ["系统", "邮件"],
        "milestones.0.name": "方案印发",
        "milestones.0.done": "100",
        "milestones.1.name": "",
        "milestones.1.done": "",
    }
    fake = client.post(
        link,
        data={**fields, "evidence": (io.BytesIO(b"MZ\x90\x00"), "报告.pdf")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
    assert 'id="f-evidence-errors"' in fake.get_data(as_text=True)
    assert db.session.execute(select(EvidenceFile)).first() is None
    done = client.post(
        link,
        data={**fields, "evidence": (io.BytesIO(PDF), "../../报告.pdf")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    stored = db.session.execute(select(EvidenceFile)).scalar_one()
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.original_name == "报告.pdf" and stored.storage_key not in stored.original_name
    download = client.get(f"/evidence/{stored.id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_posted_with_a_refused_form_is_swept_from_the_store(
    app: Flask, client: FlaskClient, people: dict[str, Any]
) -> None:
    """The refused form is rolled back after its file was written: the file has no row, and the
    hourly sweep removes it once the grace period is over (SECURITY S22)."""
    _deploy_page(client, "progress_report.bpmn")
    _start_page(client, "progress_report_test")
    sign_in(client, "office1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    refused = client.post(
        link,
        data={
            "csrf_token": page_csrf(client, link),
            "summary": "按计划推进中",
            "percent": "不是数字",
            "evidence": (io.BytesIO(PDF), "报告.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert db.session.execute(select(EvidenceFile)).first() is None
    uploads = Path(app.config["UPLOAD_DIR"])
    [left] = list(uploads.iterdir())
    written = utcnow().timestamp()  # on the test's clock, as the sweep's `now` is
    os.utime(left, (written, written))
    kept = sweep_evidence_store(db.session, uploads, now=utcnow(), actor=Actor.system("t"))
    assert kept.orphaned == []  # within the grace period: its upload may still be committing
    swept = sweep_evidence_store(
        db.session, uploads, now=utcnow() + GRACE + timedelta(minutes=1), actor=Actor.system("t")
    )
    assert swept.orphaned == [left.name]
    assert list(uploads.iterdir()) == []


SHARED = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="Defs_shared" targetNamespace="http://jixiao.test/shared">
  <bpmn:collaboration id="Collab_shared">
    <bpmn:participant id="Pool_shared" processRef="shared_review" />
  </bpmn:collaboration>
  <bpmn:process id="shared_review" name="Shared review" isExecutable="true">
    <bpmn:laneSet id="Lanes_shared">
      <bpmn:lane id="Lane_office" name="office_staff">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_expert" name="expert">
        <bpmn:flowNodeRef>expert_note</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_group" name="leading_group">
        <bpmn:flowNodeRef>group_note</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="split" />
    <bpmn:userTask id="expert_note" name="EXPERT-NOTE" />
    <bpmn:userTask id="group_note" name="GROUP-NOTE" />
    <bpmn:parallelGateway id="join" />
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="s1" sourceRef="start" targetRef="split" />
    <bpmn:sequenceFlow id="s2" sourceRef="split" targetRef="expert_note" />
    <bpmn:sequenceFlow id="s3" sourceRef="split" targetRef="group_note" />
    <bpmn:sequenceFlow id="s4" sourceRef="expert_note" targetRef="join" />
    <bpmn:sequenceFlow id="s5" sourceRef="group_note" targetRef="join" />
    <bpmn:sequenceFlow id="s6" sourceRef="join" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_instance_page_links_only_the_open_tasks_the_viewer_may_open(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    """A shared instance (no unit) shows an expert their own task as a link and the leading
    group's as a name: its page would be a 404 for them."""
    make_user("expert1", Role.EXPERT)
    make_user("group1", Role.LEADING_GROUP)
    deployed = upload(client, bearer(client, "owner1"), ("shared_review.bpmn", SHARED))
    assert deployed.status_code == 201, deployed.get_json()
    started = start(client, bearer(client, "office1"), "shared_review")
    tasks = {t["spec_id"]: t["id"] for t in inbox(client, bearer(client, "office1"))}
    sign_in(client, "expert1")
    page = client.get(f"/instances/{started['id']}").get_data(as_text=True)
    [expert_task] = [t["id"] for t in inbox(client, bearer(client, "expert1"))]
    assert f'href="/tasks/{expert_task}"' in page and "EXPERT-NOTE" in page
    assert "GROUP-NOTE" in page
    assert page.count('href="/tasks/') == 1
    for task_id in tasks.values():
        if task_id != expert_task:
            assert client.get(f"/tasks/{task_id}").status_code == 404


def test_instance_pages_name_units_processes_statuses_and_people_in_chinese(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "review_lanes.bpmn")
    ours = _start_page(client, "review_lanes", "FGW")
    theirs = _start_page(client, "review_lanes", "JYT")
    sign_in(client, "unit1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    done = client.post(
        link, data={"csrf_token": page_csrf(client, link), "title": "优化营商环境", "weight": "20"}
    )
    assert done.status_code == 302
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    sign_in(client, "office1")
    listing = client.get("/instances").get_data(as_text=True)
    assert '<option value="review_lanes" >单位起草-负责人审核</option>' in listing
    assert "江西省发展和改革委员会" in listing and "江西省教育厅" in listing
    assert 'data-status="waiting">等待办理</span>' in listing and ">waiting<" not in listing
    only_theirs = client.get("/instances?unit=JYT&status=waiting").get_data(as_text=True)
    assert f'href="/instances/{theirs}"' in only_theirs
    assert f'href="/instances/{ours}"' not in only_theirs

    page = client.get(f"/instances/{ours}").get_data(as_text=True)
    history = page[page.index('data-testid="history"') :]
    assert re.search(r'data-kind="started">流程发起</td><td></td><td>Office1</td>', history)
    assert re.search(
        r'data-kind="task_completed">步骤完成</td><td>起草指标</td><td>Unit1</td>', history
    )
    assert "优化营商环境" in page and "\\u4f18" not in page  # the data as people write it
    data = page[page.index('data-testid="instance-data"') :]
    assert '<dt>标题</dt><dd class="mb-2">优化营商环境</dd>' in data  # by the form's titles
    assert 'data-testid="instance-raw-data"' in page  # the raw view behind a toggle
    names = element_names(db.session.get(ProcessInstance, ours).definition)
    assert names["draft"] == "起草指标" and names["sign"] == "负责人审核"

    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit2")
    inbox = client.get("/tasks").get_data(as_text=True)
    assert '<option value="review_lanes" >单位起草-负责人审核</option>' in inbox
    assert (
        '<td class="d-none d-md-table-cell">江西省教育厅</td>' in inbox
    )  # each task names its unit


def test_the_office_gives_a_task_to_a_named_user_who_can_work_tasks(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    make_user("admin1", Role.SYSADMIN)
    _deploy_page(client, "review_lanes.bpmn")
    _start_page(client, "review_lanes", "FGW")
    sign_in(client, "unit1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    assert 'data-testid="reassign"' not in client.get(link).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    sign_in(client, "office1")
    page = client.get(link).get_data(as_text=True)
    assert '<option value="unit2">Unit2</option>' in page
    assert '<option value="admin1">' not in page  # administrators work no tasks
    token = page_csrf(client, link)
    for username in ("admin1", "nobody"):
        refused = client.post(f"{link}/reassign", data={"csrf_token": token, "username": username})
        assert refused.status_code == 422
        assert 'id="reassign-username-errors"' in refused.get_data(as_text=True)
    given = client.post(f"{link}/reassign", data={"csrf_token": token, "username": "unit2"})
    assert given.status_code == 302
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    sign_in(client, "unit2")
    assert link in client.get("/tasks").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit1")
    assert _task_link_absent(client)


def test_the_inbox_and_the_instances_come_in_pages(
    client: FlaskClient, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blueprint, "PAGE_SIZE", 2)
    _deploy_page(client, "review_lanes.bpmn")
    started = [_start_page(client, "review_lanes", "FGW") for _ in range(3)]
    sign_in(client, "office1")
    first = client.get("/instances?status=waiting").get_data(as_text=True)
    assert (
        f'href="/instances/{started[2]}"' in first
        and f'href="/instances/{started[0]}"' not in first
    )
    assert 'href="/instances?status=waiting&amp;page=2" rel="next"' in first
    second = client.get("/instances?status=waiting&page=2").get_data(as_text=True)
    assert f'href="/instances/{started[0]}"' in second
    assert 'disabled"><a class="page-link" href="#" rel="next">' in second  # the last page
    assert client.get("/instances?page=-3").status_code == 200  # any page number is answered
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    sign_in(client, "unit1")
    links = set()
    for page in (1, 2):
        html = client.get(f"/tasks?page={page}").get_data(as_text=True)
        links |= set(re.findall(r'href="(/tasks/[0-9a-f-]{36})"', html))
    assert len(links) == 3  # every task once over the two pages


def test_colleagues_see_who_has_claimed_a_task(client: FlaskClient, people: dict[str, Any]) -> None:
    fgw = db.session.execute(select(Unit).where(Unit.code == "FGW")).scalar_one()
    make_user("unit1b", (Role.UNIT_STAFF, fgw))
    _deploy_page(client, "review_lanes.bpmn")
    _start_page(client, "review_lanes", "FGW")
    sign_in(client, "unit1")
    link = _task_link(client.get("/tasks").get_data(as_text=True))
    assert (
        client.post(f"{link}/claim", data={"csrf_token": page_csrf(client, link)}).status_code
        == 302
    )
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    sign_in(client, "unit1b")
    assert "</i> Unit1</td>" in client.get("/tasks").get_data(as_text=True)
    assert 'data-testid="claimed-by">已由 Unit1 认领。<' in client.get(link).get_data(as_text=True)


def test_a_process_with_steps_for_a_unit_is_started_only_for_a_unit(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "review_lanes.bpmn")
    office = bearer(client, "office1")
    refused = client.post(
        "/api/v1/process-instances", headers=office, json={"process_key": "review_lanes"}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"][0]["path"] == "unit_code"
    assert db.session.execute(select(ProcessInstance)).first() is None
    sign_in(client, "office1")
    page = client.post(
        "/processes/start",
        data={"csrf_token": page_csrf(client, "/processes"), "process_key": "review_lanes"},
    )
    assert page.status_code == 422
    assert 'id="unit_code-errors" class="invalid-feedback d-block">该流程有单位经办的环节' in (
        page.get_data(as_text=True)
    )


def test_the_done_list_shows_what_the_user_completed_latest_first(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    _deploy_page(client, "review_lanes.bpmn")
    first, second = (_start_page(client, "review_lanes", "FGW") for _ in range(2))
    sign_in(client, "unit1")
    assert "暂无已办事项" in client.get("/tasks/done").get_data(as_text=True)
    completed_in_order = []
    for _ in range(2):
        link = _task_link(client.get("/tasks").get_data(as_text=True))
        page = client.get(link).get_data(as_text=True)
        completed_in_order.append(re.findall(r'href="/instances/(\d+)"', page)[0])
        data = {"csrf_token": page_csrf(client, link), "title": "优化营商环境", "weight": "20"}
        assert client.post(link, data=data).status_code == 302
    assert sorted(completed_in_order) == sorted([str(first), str(second)])
    done = client.get("/tasks/done").get_data(as_text=True)
    rows = done[done.index('data-testid="done-tasks"') :]
    assert rows.count("起草指标") == 2
    listed = re.findall(r'href="/instances/(\d+)"', rows)
    assert listed == completed_in_order[::-1]  # the latest first
    assert 'aria-current="page" href="/tasks/done">已办<' in done
    assert re.search(r'nav-link active"\s+aria-current="page"\s+href="/tasks"', done)  # the menu
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "unit2")
    assert "起草指标" not in client.get("/tasks/done").get_data(as_text=True)  # only one's own


def test_only_those_who_oversee_all_units_filter_by_unit(
    client: FlaskClient, people: dict[str, Any]
) -> None:
    sign_in(client, "unit1")
    assert 'name="unit"' not in client.get("/tasks").get_data(as_text=True)  # one unit: no filter
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})
    sign_in(client, "office1")
    listing = client.get("/instances").get_data(as_text=True)
    assert 'name="unit"' in listing and "江西省教育厅" in listing
    client.post("/logout", data={"csrf_token": page_csrf(client, "/")})

    leader = make_user("leader9", Role.PROVINCIAL_LEADER)
    for code in ("SWT", "KJT"):
        make_unit(code, name=f"{code} 单位", leader=leader)
    sign_in(client, "leader9")
    led = client.get("/tasks").get_data(as_text=True)
    assert "SWT 单位" in led and "KJT 单位" in led and "江西省教育厅" not in led  # the units led
