"""A live server on 127.0.0.1 and the system Chromium driven by Playwright."""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.db import utcnow
from app.extensions import db
from app.indicators.demo import load_indicator_demo
from app.org.demo import load_demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "demo-pass-2026"
ROOT = Path(__file__).resolve().parents[2]
DIAGRAM = Path(__file__).resolve().parents[1] / "diagrams" / "simple_di.bpmn"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM or os.environ.get("CI"):
        return  # in CI a missing browser must fail, not skip
    skip = pytest.mark.skip(reason="no system Chromium (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def live_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("live") / "live.sqlite"
    shutil.copy(sqlite_template, database)
    forms = Path(__file__).resolve().parents[1] / "forms"
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "FORMS_DIR": str(forms)}
    )
    with app.app_context():
        load_demo(db.session, password=DEMO_PASSWORD, now=utcnow())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def serve_demo(folder: Path, prepare: Callable[[], None] | None = None) -> Iterator[str]:
    """A live server on the whole demo (province, shipped diagrams and the 2026 year) in
    `folder`; `prepare` adds to it inside the app context before it serves."""
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite'}",
            "FORMS_DIR": str(ROOT / "forms"),
            "UPLOAD_DIR": str(folder / "uploads"),
        },
    )
    with app.app_context():
        load_demo(db.session, password=DEMO_PASSWORD, now=utcnow())
        load_indicator_demo(db.session, bpmn_dir=ROOT / "bpmn", now=utcnow())
        db.session.commit()
        if prepare is not None:
            prepare()
            db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server on the whole demo: province, shipped diagrams and the 2026 year."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, folder / "demo.sqlite")
    yield from serve_demo(folder)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> None:
    """Keep a screenshot as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def started(live_server: str) -> Iterator[str]:
    """Deploy simple_di.bpmn as owner1 and start it as office1, through the live server's API;
    its first task waits in office1's inbox. Yields the instance id."""

    def call(
        method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> dict:
        request = urllib.request.Request(
            live_server + path, data=body, method=method, headers=headers or {}
        )
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def token(username: str) -> dict[str, str]:
        body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
        answer = call("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        return {"Authorization": f"Bearer {answer['token']}"}

    boundary = "jixiao-boundary"
    payload = io.BytesIO()
    payload.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="simple_di.bpmn"\r\nContent-Type: application/xml\r\n\r\n'.encode()
    )
    payload.write(DIAGRAM.read_bytes())
    payload.write(f"\r\n--{boundary}--\r\n".encode())
    call(
        "POST",
        "/api/v1/process-definitions",
        payload.getvalue(),
        {**token("owner1"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    body = json.dumps({"process_key": "simple_di"}).encode()
    instance = call(
        "POST",
        "/api/v1/process-instances",
        body,
        {**token("office1"), "Content-Type": "application/json"},
    )
    yield str(instance["id"])


def sign_in_as(page: object, live_server: str, username: str) -> None:
    """Sign in through the page, as a person would."""
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
