"""Import-layer check (STYLE.md): only app.workflow imports SpiffWorkflow; nothing below the
route layer imports routes; nothing below the edges reads Flask's request state (`request`,
`g`, `session`, `current_user`), so services serve pages, API, CLI and BPMN alike.
Exits 1 listing every violation."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
# app.<domain>.routes (and page modules, *_pages) and the app.api package are edges

REQUEST_STATE = {
    "flask": {"request", "g", "session"},
    "flask.globals": {"request", "g", "session"},
    "flask_login": {"current_user"},
    "flask_login.utils": {"current_user"},
}
# Request plumbing that is not a page module by name: the locale chosen for the request and the
# page helpers the workflow pages share.
REQUEST_HELPERS = {"app.i18n", "app.workflow.pages.blueprint"}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (`from . import x` inside app.a.b → app.a)."""
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _imports(tree: ast.AST, module: str) -> Iterator[tuple[str, str | None]]:
    """(module, imported name or None) for every import: `from a import b` gives (a, b), so a
    submodule imported by name (`from app.x import routes`) is seen as well as `import a.b`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            yield source, None
            yield from ((source, alias.name) for alias in node.names)


def _request_state_used(tree: ast.AST, module: str) -> list[str]:
    """Flask request-state names the module imports or reaches as `flask.request`."""
    used = [
        f"{source}.{name}"
        for source, name in _imports(tree, module)
        if name is not None and name in REQUEST_STATE.get(source, set())
    ]
    used += [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.attr in REQUEST_STATE.get(node.value.id, set())
    ]
    return used


def _module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root.parent).with_suffix("").parts)


def _is_route_module(module: str) -> bool:
    parts = module.split(".")
    last = parts[-1]
    return last.endswith(("routes", "_pages")) or parts[1:2] == ["api"]


def _is_edge(module: str) -> bool:
    """Modules allowed to import routes: route modules, the web/api packages and the wiring."""
    parts = module.split(".")
    return _is_route_module(module) or module in {"app.setup", "app.web"} or parts[1:2] == ["web"]


def _module_problems(tree: ast.AST, module: str) -> Iterator[str]:
    for source, name in _imports(tree, module):
        imported = f"{source}.{name}" if name else source
        spiff = name is None and source.split(".")[0] == "SpiffWorkflow"
        if spiff and not module.startswith("app.workflow"):
            yield f"imports {source}; only app.workflow may use SpiffWorkflow"
        if _is_route_module(imported) and not _is_edge(module):
            yield f"imports the route module {imported}"
    if not _is_edge(module) and module not in REQUEST_HELPERS:
        for name in _request_state_used(tree, module):
            yield f"uses {name}; below the edges, pass what the request holds as arguments"


def violations(root: Path = APP) -> list[str]:
    """Every import that breaks a layer rule, as 'file: message'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module = _module_name(path, root)
        problems = dict.fromkeys(_module_problems(tree, module))  # one line per problem
        found += [f"{path}: {problem}" for problem in problems]
    return found


if __name__ == "__main__":
    problems = violations(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else APP)
    for problem in problems:
        print(problem)  # noqa: T201
    print(f"layer check: {len(problems)} violation(s)")  # noqa: T201
    sys.exit(1 if problems else 0)
