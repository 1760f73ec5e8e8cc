"""Import-layer check (STYLE.md): only app.workflow imports SpiffWorkflow; nothing below the
route layer imports routes; nothing below the edges reads Flask's request state (`request`,
`g`, `session`, `current_user`), so services serve pages, API, CLI and BPMN alike.

Inside the workflow engine: its modules import each other without cycles (an import inside a
function counts too; one under `if TYPE_CHECKING:` does not); nothing outside it imports its
pages or its private internals; its lower sub-packages (scripting, definitions) import nothing
from tasks, timers or pages. Exits 1 listing every violation."""

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

WORKFLOW = "app.workflow"
# Workflow modules the rest of the app does not import: the pages (the wiring registers their
# blueprint) and the engine's internals, reached through the services that use them.
WORKFLOW_PRIVATE = {
    "app.workflow.pages": {"app.setup"},
    "app.workflow.scripting.sandbox_runner": set(),
    "app.workflow.instances.engine_run": set(),
    "app.workflow.instances.row_writes": set(),
    "app.workflow.instances.compaction": set(),
    "app.workflow.instances.spiff_patches": set(),
    "app.workflow.tasks.inbox_sync": set(),
    "app.workflow.timers.timer_rows": set(),
}
# Workflow sub-packages and the sub-packages they may not import (lower ones stay lower).
WORKFLOW_BELOW = {
    f"{WORKFLOW}.{lower}": tuple(f"{WORKFLOW}.{upper}" for upper in ("tasks", "timers", "pages"))
    for lower in ("scripting", "definitions")
}


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


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except the bodies of `if TYPE_CHECKING:` (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def _imported_modules(tree: ast.AST, module: str, known: set[str]) -> set[str]:
    """The modules imported at run time: `from a import b` is a.b when that is a known module."""
    found = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: each group of modules that reach one another, in order."""
    reach = {node: _reachable(graph, node) for node in graph}
    groups = {
        tuple(sorted(other for other in reach[node] if node in reach.get(other, ())))
        for node in graph
        if node in reach[node]
    }
    return [list(group) for group in sorted(groups)]


def _workflow_problems(module: str, imported: set[str]) -> Iterator[str]:
    """The workflow's boundaries: its pages and internals, its lower sub-packages."""
    for target in sorted(imported):
        for private, allowed in WORKFLOW_PRIVATE.items():
            outside = not _within(module, WORKFLOW) and module not in allowed
            if _within(target, private) and outside:
                yield f"imports {target}; outside {WORKFLOW}, use its services instead"
        for lower, uppers in WORKFLOW_BELOW.items():
            if _within(module, lower) and any(_within(target, upper) for upper in uppers):
                yield f"imports {target}; {lower} stays below tasks, timers and pages"


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
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
    paths = {_module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    trees = {
        module: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, path in paths.items()
    }
    known = set(paths)
    graph = {module: _imported_modules(tree, module, known) for module, tree in trees.items()}
    found = []
    for module, tree in trees.items():
        problems = dict.fromkeys(  # one line per problem
            [*_module_problems(tree, module), *_workflow_problems(module, graph[module])]
        )
        found += [f"{paths[module]}: {problem}" for problem in problems]
    workflow = {
        module: {target for target in targets if _within(target, WORKFLOW)}
        for module, targets in graph.items()
        if _within(module, WORKFLOW)
    }
    for cycle in _cycles(workflow):
        found.append(f"{paths[cycle[0]]}: import cycle among {', '.join(cycle)}")
    return found


if __name__ == "__main__":
    problems = violations(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else APP)
    for problem in problems:
        print(problem)  # noqa: T201
    print(f"layer check: {len(problems)} violation(s)")  # noqa: T201
    sys.exit(1 if problems else 0)
