"""Import-layer check (STYLE.md): only app.workflow imports SpiffWorkflow; nothing below the
route layer imports routes. Exits 1 listing every violation."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# app.<domain>.routes (and page modules, *_pages) and the app.api package are edges


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(APP.parent).with_suffix("").parts)


def _is_route_module(module: str) -> bool:
    parts = module.split(".")
    return parts[-1] == "routes" or parts[-1].endswith("_pages") or parts[1:2] == ["api"]


def _is_edge(module: str) -> bool:
    """Modules allowed to import routes: route modules, the web/api packages and the wiring."""
    parts = module.split(".")
    return _is_route_module(module) or module in {"app.setup", "app.web"} or parts[1:2] == ["web"]


def violations() -> list[str]:
    """Every import that breaks a layer rule, as 'file: message'."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        module = _module_name(path)
        for imported in _imports(path):
            if imported.split(".")[0] == "SpiffWorkflow" and not module.startswith("app.workflow"):
                found.append(f"{path}: imports {imported}; only app.workflow may use SpiffWorkflow")
            if _is_route_module(imported) and not _is_edge(module):
                found.append(f"{path}: imports the route module {imported}")
    return found


if __name__ == "__main__":
    problems = violations()
    for problem in problems:
        print(problem)  # noqa: T201
    print(f"layer check: {len(problems)} violation(s)")  # noqa: T201
    sys.exit(1 if problems else 0)
