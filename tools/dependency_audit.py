"""The dependency gate (SECURITY.md S21): `python tools/dependency_audit.py` (`make audit`).

Fails (exit 1) on a known vulnerability in an installed Python distribution (PyPI's advisory data,
the source pip-audit uses: the `vulnerabilities` of /pypi/<name>/<version>/json) or in the
browser assets (`npm audit` on package-lock.json), unless acknowledged in
tools/dependency-audit-ignore.toml with a reason and an expiry date; and on lxml < 6.1.0 or
RestrictedPython < 8.4 whatever the advisory service says.

An advisory service that cannot be reached gives a loud warning and exit 0 (the gate must not
block a build in a data centre without Internet access); `--strict` makes it exit 2 instead.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = Path(__file__).resolve().parent / "dependency-audit-ignore.toml"
PYPI = "https://pypi.org/pypi"
# Floors from SECURITY.md S21: the XML parser and the script sandbox.
MINIMUM_VERSIONS = {"lxml": Version("6.1.0"), "restrictedpython": Version("8.4")}

Fetch = Callable[[str], dict[str, Any] | None]  # URL → JSON, None for 404, raises if unreachable


class SourceUnreachable(Exception):
    """An advisory service did not answer."""


@dataclass(frozen=True)
class Finding:
    """One advisory that applies to one installed package."""

    ecosystem: str
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    summary: str
    fixed_in: tuple[str, ...] = ()

    def names(self) -> set[str]:
        """Every id the advisory goes by (PYSEC, GHSA, CVE)."""
        return {self.advisory, *self.aliases}


@dataclass(frozen=True)
class Acknowledgement:
    """A finding accepted for a while, with the reason."""

    advisory: str
    package: str
    reason: str
    expires: date


def load_acknowledgements(path: Path, today: date) -> tuple[list[Acknowledgement], list[str]]:
    """The live acknowledgements, and what is wrong with the others (expired, incomplete)."""
    if not path.exists():
        return [], []
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("ignore", [])
    live, problems = [], []
    for number, entry in enumerate(entries, start=1):
        missing = [f for f in ("id", "package", "reason", "expires") if not entry.get(f)]
        if missing:
            problems.append(f"{path.name} entry {number}: missing {', '.join(missing)}")
            continue
        expires = entry["expires"]
        expires = expires if isinstance(expires, date) else date.fromisoformat(str(expires))
        if expires < today:
            problems.append(
                f"{path.name}: the acknowledgement of {entry['id']} ({entry['package']}) "
                f"expired on {expires}; fix the finding or renew it with a reason"
            )
            continue
        live.append(
            Acknowledgement(entry["id"], entry["package"].lower(), entry["reason"], expires)
        )
    return live, problems


def unacknowledged(
    findings: Iterable[Finding], acknowledgements: Iterable[Acknowledgement]
) -> list[Finding]:
    """The findings no live acknowledgement covers (matched by any of the advisory's ids)."""
    acks = list(acknowledgements)
    return [
        finding
        for finding in findings
        if not any(
            a.package == finding.package.lower() and a.advisory in finding.names() for a in acks
        )
    ]


def installed_packages() -> dict[str, str]:
    """Every distribution in this environment, by normalised name."""
    found = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name and not _installed_from_a_folder(distribution):
            found[name.lower().replace("_", "-")] = distribution.version
    return found


def _installed_from_a_folder(distribution: importlib.metadata.Distribution) -> bool:
    """Jixiao itself (`pip install -e .`): not on PyPI, where its name could be anyone's."""
    direct_url = distribution.read_text("direct_url.json") or ""
    return '"dir_info"' in direct_url


def minimum_version_problems(packages: dict[str, str]) -> list[str]:
    """The S21 floors that the installed versions break (a missing package breaks them too)."""
    problems = []
    for name, floor in MINIMUM_VERSIONS.items():
        version = packages.get(name)
        if version is None or Version(version) < floor:
            problems.append(f"{name} {version or 'is not installed'}: at least {floor} is required")
    return problems


def fetch_json(url: str) -> dict[str, Any] | None:
    """GET `url` as JSON; None on 404; SourceUnreachable when the service does not answer."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            result: dict[str, Any] = json.load(response)
            return result
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise SourceUnreachable(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        raise SourceUnreachable(f"{url}: {error}") from None


def _pypi_vulnerabilities(name: str, version: str, fetch: Fetch) -> list[dict[str, Any]] | None:
    """The advisories PyPI lists for this release; None if it has no answer for it. A mirror
    that serves only /pypi/<name>/json answers for the latest release alone."""
    release = fetch(f"{PYPI}/{name}/{version}/json")
    if release is not None:
        return list(release.get("vulnerabilities") or [])
    project = fetch(f"{PYPI}/{name}/json")
    if project is not None and project.get("info", {}).get("version") == version:
        return list(project.get("vulnerabilities") or [])
    return None


def python_findings(packages: dict[str, str], fetch: Fetch) -> tuple[list[Finding], list[str]]:
    """Findings for the installed distributions, and the packages PyPI had no answer for."""
    findings, unanswered = [], []
    for name, version in sorted(packages.items()):
        advisories = _pypi_vulnerabilities(name, version, fetch)
        if advisories is None:
            unanswered.append(f"{name} {version}")
            continue
        for advisory in advisories:
            if advisory.get("withdrawn"):
                continue
            findings.append(
                Finding(
                    "PyPI",
                    name,
                    version,
                    str(advisory.get("id")),
                    tuple(advisory.get("aliases") or ()),
                    str(advisory.get("summary") or advisory.get("details") or "")[:200],
                    tuple(advisory.get("fixed_in") or ()),
                )
            )
    return findings, unanswered


def run_npm_audit() -> dict[str, Any]:
    """`npm audit --json` over package-lock.json (no node_modules needed)."""
    completed = subprocess.run(
        ["npm", "audit", "--json", "--package-lock-only"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(completed.stdout or "{}")
    except ValueError:
        raise SourceUnreachable(f"npm audit printed no JSON: {completed.stderr[-300:]}") from None
    return report


def npm_findings(report: dict[str, Any]) -> list[Finding]:
    """Findings from an `npm audit --json` report; SourceUnreachable if npm could not ask."""
    if "error" in report or "vulnerabilities" not in report:
        error = report.get("message") or report.get("error") or "no vulnerabilities section"
        raise SourceUnreachable(f"npm audit: {error}")
    findings = []
    for package, entry in report["vulnerabilities"].items():
        for via in entry.get("via", []):
            if not isinstance(via, dict):
                continue  # a dependency path through another vulnerable package, listed itself
            url = str(via.get("url", ""))
            advisory = url.rsplit("/", 1)[-1] or str(via.get("source"))
            findings.append(
                Finding(
                    "npm",
                    str(via.get("name", package)),
                    str(via.get("range", "")),
                    advisory,
                    (str(via.get("source")),),
                    f"{via.get('severity', '')}: {via.get('title', '')}",
                )
            )
    return findings


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _report(findings: list[Finding], warnings: list[str], problems: list[str]) -> None:
    for warning in warnings:
        _say(f"WARNING: {warning}")
    for finding in findings:
        fixed = f" (fixed in {', '.join(finding.fixed_in)})" if finding.fixed_in else ""
        _say(
            f"VULNERABLE {finding.ecosystem} {finding.package} {finding.version}: "
            f"{finding.advisory} {finding.summary}{fixed}"
        )
    for problem in problems:
        _say(f"FAIL: {problem}")


def audit(
    *,
    packages: dict[str, str],
    fetch: Fetch,
    npm_report: Callable[[], dict[str, Any]],
    ignore_file: Path,
    today: date,
    strict: bool,
) -> int:
    """Run every check; 0 clean, 1 on a finding or a broken rule, 2 if `strict` and a service
    could not be asked."""
    acknowledgements, problems = load_acknowledgements(ignore_file, today)
    problems += minimum_version_problems(packages)
    warnings: list[str] = []
    findings: list[Finding] = []
    try:
        python, unanswered = python_findings(packages, fetch)
        findings += python
        if unanswered:
            warnings.append(
                "PyPI has no advisory answer for " + ", ".join(unanswered) + " (not checked)"
            )
    except SourceUnreachable as error:
        warnings.append(f"PYTHON PACKAGES NOT AUDITED: PyPI unreachable ({error})")
    try:
        findings += npm_findings(npm_report())
    except (SourceUnreachable, OSError, subprocess.SubprocessError) as error:
        warnings.append(f"BROWSER ASSETS NOT AUDITED: npm advisories unreachable ({error})")
    open_findings = unacknowledged(findings, acknowledgements)
    _report(open_findings, warnings, problems)
    if open_findings or problems:
        return 1
    unreachable = any("NOT AUDITED" in w for w in warnings)
    if unreachable and strict:
        return 2
    _say(f"dependency audit: {len(packages)} Python packages, no open finding")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: `--strict` fails when an advisory service cannot be reached."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--only", nargs="*", help="audit only these Python packages")
    args = parser.parse_args(argv)
    packages = installed_packages()
    if args.only:
        wanted = {name.lower() for name in args.only}
        packages = {n: v for n, v in packages.items() if n in wanted or n in MINIMUM_VERSIONS}
    return audit(
        packages=packages,
        fetch=fetch_json,
        npm_report=run_npm_audit,
        ignore_file=IGNORE_FILE,
        today=date.today(),  # noqa: DTZ011 - an expiry date is a calendar day
        strict=args.strict,
    )


if __name__ == "__main__":
    sys.exit(main())
