"""The dependency gate (SECURITY.md S21), against fake advisory services: it fails on a known
vulnerability, honours acknowledgements only with a reason and until their expiry, enforces the
lxml and RestrictedPython floors, and warns loudly when a service cannot be reached."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tools.dependency_audit import SourceUnreachable, audit, npm_findings

TODAY = date(2026, 12, 4)
SAFE = {"lxml": "6.2.0", "restrictedpython": "9.0", "flask": "3.1.3"}
FLASK_ADVISORY = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"],
    "summary": "session cookie disclosure",
    "fixed_in": ["3.1.4"],
}
NPM_CLEAN: dict[str, Any] = {"vulnerabilities": {}, "metadata": {}}
NPM_VULNERABLE: dict[str, Any] = {
    "vulnerabilities": {
        "bootstrap": {
            "name": "bootstrap",
            "severity": "moderate",
            "via": [
                {
                    "source": 1096,
                    "name": "bootstrap",
                    "title": "XSS in the carousel",
                    "url": "https://github.com/advisories/GHSA-9v3m-8fp8-mj99",
                    "severity": "moderate",
                    "range": "<5.3.5",
                }
            ],
        },
        "bpmn-js": {"name": "bpmn-js", "via": ["bootstrap"]},
    }
}


def _pypi(advisories: dict[str, list[dict[str, Any]]]) -> Any:
    def fetch(url: str) -> dict[str, Any] | None:
        name = url.split("/pypi/", 1)[1].split("/", maxsplit=1)[0]
        return {"vulnerabilities": advisories.get(name, [])}

    return fetch


def _run(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    *,
    packages: dict[str, str] = SAFE,
    fetch: Any = None,
    npm: dict[str, Any] = NPM_CLEAN,
    ignore: str = "",
    strict: bool = False,
) -> tuple[int, str]:
    ignore_file = tmp_path / "ignore.toml"
    ignore_file.write_text(ignore)
    code = audit(
        packages=packages,
        fetch=fetch or _pypi({}),
        npm_report=lambda: npm,
        ignore_file=ignore_file,
        today=TODAY,
        strict=strict,
    )
    return code, capsys.readouterr().out


def test_a_clean_environment_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = _run(capsys, tmp_path)
    assert code == 0
    assert "no open finding" in out


def test_a_known_python_vulnerability_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = _run(capsys, tmp_path, fetch=_pypi({"flask": [FLASK_ADVISORY]}))
    assert code == 1
    assert "VULNERABLE PyPI flask 3.1.3: PYSEC-2099-1" in out
    assert "fixed in 3.1.4" in out


def test_a_known_npm_vulnerability_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = _run(capsys, tmp_path, npm=NPM_VULNERABLE)
    assert code == 1
    assert "VULNERABLE npm bootstrap <5.3.5: GHSA-9v3m-8fp8-mj99" in out
    assert len(npm_findings(NPM_VULNERABLE)) == 1  # the path through bpmn-js is not counted twice


def test_an_acknowledgement_needs_a_reason_and_holds_until_it_expires(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    vulnerable = _pypi({"flask": [FLASK_ADVISORY]})
    entry = (
        '[[ignore]]\nid = "CVE-2099-0001"\npackage = "Flask"\n'
        'reason = "we set no session cookie on that path"\nexpires = {expires}\n'
    )
    live = entry.format(expires="2027-01-31")
    assert _run(capsys, tmp_path, fetch=vulnerable, ignore=live)[0] == 0

    expired_code, out = _run(
        capsys, tmp_path, fetch=vulnerable, ignore=entry.format(expires="2026-12-03")
    )
    assert expired_code == 1
    assert "expired on 2026-12-03" in out and "PYSEC-2099-1" in out

    no_reason = live.replace('reason = "we set no session cookie on that path"\n', "")
    code, out = _run(capsys, tmp_path, fetch=vulnerable, ignore=no_reason)
    assert code == 1 and "missing reason" in out


def test_the_lxml_and_restrictedpython_floors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out = _run(capsys, tmp_path, packages={"lxml": "6.0.2", "flask": "3.1.3"})
    assert code == 1
    assert "lxml 6.0.2: at least 6.1.0 is required" in out
    assert "restrictedpython is not installed" in out


def test_an_unreachable_service_warns_and_strict_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def offline(url: str) -> dict[str, Any] | None:
        raise SourceUnreachable(f"{url}: connection refused")

    npm_error = {"message": "405 Method Not Allowed", "error": {"summary": ""}}
    code, out = _run(capsys, tmp_path, fetch=offline, npm=npm_error)
    assert code == 0
    assert "PYTHON PACKAGES NOT AUDITED" in out and "BROWSER ASSETS NOT AUDITED" in out
    assert _run(capsys, tmp_path, fetch=offline, npm=npm_error, strict=True)[0] == 2
    # The version floors hold even offline.
    assert _run(capsys, tmp_path, packages={"lxml": "5.0"}, fetch=offline)[0] == 1


def test_a_mirror_without_release_pages_answers_for_the_latest_release_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def mirror(url: str) -> dict[str, Any] | None:
        if url.endswith("/lxml/json"):
            return {"info": {"version": "6.2.0"}, "vulnerabilities": []}
        if url.endswith("/flask/json"):
            return {"info": {"version": "3.2.0"}, "vulnerabilities": []}
        if url.count("/") > 5:  # /pypi/<name>/<version>/json
            return None
        return {"info": {"version": "9.0"}, "vulnerabilities": []}

    code, out = _run(capsys, tmp_path, fetch=mirror)
    assert code == 0
    assert "no advisory answer for flask 3.1.3" in out
