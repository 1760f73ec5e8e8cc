"""Every link a demo account is shown leads somewhere: `demo load` as `make run` does it, then
each account signs in and follows every same-site link it is given (a few of each kind of page:
ids aside, the same route is visited at most five times). No page may answer 404 or a server
error, and no Chinese page may show an English sentence: a menu entry, a button or a link that
ends in an error is what a user meets first."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.org.demo import ACCOUNTS
from app.org.models import Unit
from tests.factories import PASSWORD, sign_in

ROOT = Path(__file__).resolve().parent.parent
IN_2026 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # the demo's world is the 2026 year
NOT_FOLLOWED = re.compile(r"^/(logout|language/|static/|vendor/)")
SAME_ROUTE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32,}|\d+")
VISITS_PER_ROUTE = 5
PAGES_PER_ACCOUNT = 200
# Three or more English words in a row, in text a Chinese reader sees (names of standards and
# formats aside).
ENGLISH = re.compile(r"\b[A-Za-z]{4,}(?:\s+[A-Za-z]{2,}){2,}")
ALLOWED_ENGLISH = re.compile(r"BPMN|JSON|OpenAPI|SpiffWorkflow|Asia/Shanghai|PostgreSQL|SQLite")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "pre", "code"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "pre", "code"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


@pytest.fixture
def demo(app: Flask) -> Iterator[None]:
    app.config["FORMS_DIR"] = str(ROOT / "forms")
    app.config["BPMN_DIR"] = str(ROOT / "bpmn")
    app.config["DEMO_PASSWORD"] = PASSWORD
    with time_machine.travel(IN_2026, tick=True):
        loaded = app.test_cli_runner().invoke(args=["demo", "load"])
        assert loaded.exit_code == 0, loaded.output
        yield


def _crawl(client: FlaskClient, start: str) -> tuple[int, list[str]]:
    """Pages visited, and the problems found (each with the page that linked it)."""
    queue: deque[tuple[str, str]] = deque([("/", "start"), (start, "start")])
    seen: set[str] = set()
    per_route: Counter[str] = Counter()
    problems: list[str] = []
    while queue and len(seen) < PAGES_PER_ACCOUNT:
        target, linked_from = queue.popleft()
        route = SAME_ROUTE.sub("#", urlsplit(target).path)
        if target in seen or NOT_FOLLOWED.match(target) or per_route[route] >= VISITS_PER_ROUTE:
            continue
        seen.add(target)
        per_route[route] += 1
        response = client.get(target)
        if response.status_code == 404 or response.status_code >= 500:
            problems.append(f"{target} answered {response.status_code} (linked from {linked_from})")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            location = urlsplit(response.headers["Location"])
            # Followed at once, as a browser does (a menu entry that redirects to a dead page
            # is found however long the queue).
            queue.appendleft(
                (location.path + (f"?{location.query}" if location.query else ""), target)
            )
            continue
        if not response.content_type.startswith("text/html"):
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        problems += [
            f"{target} shows English: {text[:80]!r}"
            for text in page.texts
            if ENGLISH.search(text) and not ALLOWED_ENGLISH.search(text)
        ]
        for href in page.links:
            link = urlsplit(urljoin(f"http://localhost{urlsplit(target).path}", href))
            if link.scheme in ("http", "") and link.netloc in ("", "localhost"):
                queue.append((link.path + (f"?{link.query}" if link.query else ""), target))
    return len(seen), problems


@pytest.mark.usefixtures("demo")
@pytest.mark.xdist_group("demo_crawl")
def test_every_link_each_demo_account_is_shown_opens(app: Flask) -> None:
    visited: dict[str, int] = {}
    problems: list[str] = []
    for username in [account.username for account in ACCOUNTS] + ["leader1"]:
        client = app.test_client()
        signed_in = sign_in(client, username)
        assert signed_in.status_code == 302, username  # type: ignore[attr-defined]
        pages, found = _crawl(client, signed_in.headers["Location"])  # type: ignore[attr-defined]
        visited[username] = pages
        problems += [f"{username}: {problem}" for problem in found]
    visitor = app.test_client()  # a citizen: the portal, the notices, a unit's rating page
    token = db.session.execute(select(Unit.rating_token).where(Unit.code == "FGW")).scalar_one()
    for start in ("/portal/", f"/rate/{token}"):
        pages, found = _crawl(visitor, start)
        visited[start] = pages
        problems += [f"visitor: {problem}" for problem in found]
    assert problems == []
    assert visited["/portal/"] >= 4  # the portal and the pages it links
    assert visited["office1"] > 100 and visited["unit1"] > 20 and visited["leader1"] > 10, visited
