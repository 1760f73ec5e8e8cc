"""The script sandbox: every expression and script a diagram holds runs here.

Code is compiled with RestrictedPython (no imports, no dunder or frame attributes, guarded
attribute, item and write access) and sees only an allow-list of names. Code that cannot run away
— no loops, comprehensions, `**`, `*`, `%`, `<<`, f-string widths, method calls or walrus — runs in
this process, which costs microseconds. Anything else runs in a separate process with a memory cap
that is killed when it takes longer than the time limit (`sandbox_runner`), so a `while True` or a
`7 ** (7 ** 9)` ends as a script error and never hangs a worker.
"""

from __future__ import annotations

import ast
import operator
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from RestrictedPython.Limits import limited_builtins

from app.calendar.workdays import WorkdayCalendar
from app.workflow.clock import step_now

MAX_SOURCE_LENGTH = 20_000


class ScriptRejected(Exception):
    """The code is not allowed in a diagram (caught at deploy, and again at run time)."""


class ScriptTimeout(Exception):
    """The code ran longer than the sandbox allows and was stopped."""


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.add,
    "-=": operator.sub,
    "*=": operator.mul,
    "/=": operator.truediv,
    "//=": operator.floordiv,
    "%=": operator.mod,
}

_EXTRA_BUILTINS: dict[str, Any] = {
    f.__name__: f
    for f in (
        dict,
        list,
        set,
        frozenset,
        sum,
        min,
        max,
        any,
        all,
        enumerate,
        sorted,
        reversed,
        filter,
        map,
    )
}
_BUILTINS = {**safe_builtins, **limited_builtins, **_EXTRA_BUILTINS}

GUARDS: dict[str, Any] = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
}


def helper_functions(calendar: WorkdayCalendar) -> dict[str, Any]:
    """The names diagrams may call besides the builtins (CONTRACT)."""
    return {
        "now": step_now,
        "is_workday": calendar.is_workday,
        "add_workdays": calendar.add_workdays,
        "workday_deadline": calendar.workday_deadline,
        "datetime": datetime,
        "date": date,
        "timedelta": timedelta,
        "Decimal": Decimal,
    }


HELPER_NAMES = frozenset(helper_functions(WorkdayCalendar()))

# Names that may be called in-process: each is bounded by its arguments' size. (`int` and `round`
# are not: `int(Decimal("1e999999"))` builds a million-digit number.)
_INLINE_CALLS = HELPER_NAMES | {
    "len", "str", "float", "bool", "abs", "min", "max", "sum", "any", "all",
    "sorted", "isinstance", "tuple", "list", "dict", "set", "ValueError",
}  # fmt: skip
_INLINE_NODES = (
    ast.Expression,
    ast.Module,
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.If,  # a branch runs at most once: no repetition
    ast.Raise,
    ast.Pass,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.Dict,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.keyword,
    ast.Load,
    ast.Store,
    ast.And,
    ast.Or,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Add,
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)


# Methods whose cost is linear in their receiver and arguments (no width or repeat arguments).
_INLINE_METHODS = frozenset(
    {
        "now",
        "today",
        "fromisoformat",
        "combine",
        "astimezone",
        "isoformat",
        "date",
        "time",
        "timestamp",
        "weekday",
        "isoweekday",
        "get",
        "keys",
        "values",
        "items",
        "strip",
        "lower",
        "upper",
        "startswith",
        "endswith",
        "split",
        "quantize",
        "count",
        "index",
    }
)


def _inline_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _INLINE_CALLS
    return isinstance(func, ast.Attribute) and func.attr in _INLINE_METHODS


def _runs_inline(tree: ast.AST) -> bool:
    """Whether the code is bounded by its own size and its data's, so it may run in-process."""
    for node in ast.walk(tree):
        if not isinstance(node, _INLINE_NODES):
            return False
        if isinstance(node, ast.Call) and not _inline_call(node):
            return False
        if isinstance(node, ast.Assign) and not all(isinstance(t, ast.Name) for t in node.targets):
            return False
        if isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name):
            return False
    return True


@dataclass(frozen=True)
class CompiledCode:
    """Restricted bytecode and where it may run."""

    code: Any
    inline: bool
    names: frozenset[str]


def normalized(source: str, mode: str) -> str:
    """Code as a modeler saved it, without the indentation and blank lines around it."""
    return source.strip() if mode == "eval" else textwrap.dedent(source).strip("\n")


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: str) -> CompiledCode:
    """Compile `source` ('eval' or 'exec') under RestrictedPython, or raise ScriptRejected."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise ScriptRejected(f"code longer than {MAX_SOURCE_LENGTH} characters")
    source = normalized(source, mode)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        raise ScriptRejected(f"syntax error on line {error.lineno}: {error.msg}") from None
    compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    if compiled.errors:
        raise ScriptRejected("; ".join(compiled.errors))
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return CompiledCode(compiled.code, _runs_inline(tree), names)


# Builtins that only serve escapes or introspection; calling them is refused when a diagram is
# deployed (they are missing or guarded at run time as well).
DENIED_CALLS = frozenset({
    "getattr", "setattr", "delattr", "type", "vars", "locals", "globals", "dir", "eval", "exec",
    "compile", "open", "input", "help", "breakpoint", "memoryview", "super", "object",
    "classmethod", "staticmethod", "property", "__import__", "id", "hash", "callable",
})  # fmt: skip
DENIED_ATTRIBUTES = frozenset({"format", "format_map", "mro"})
ALLOWED_CALLS = (HELPER_NAMES | frozenset(_BUILTINS)) - DENIED_CALLS


def _defined_names(tree: ast.AST) -> set[str]:
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    return defined


def policy_problems(source: str, mode: str) -> list[str]:
    """What deploy refuses beyond RestrictedPython: imports, and calls to anything that is not a
    helper, an allowed builtin or a function the code defines itself (task data holds no
    functions, so such a call could only be an escape attempt)."""
    source = normalized(source, mode)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return []  # compile_code reports it
    defined = _defined_names(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems.append("imports are not allowed")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name not in ALLOWED_CALLS and name not in defined:
                problems.append(f"{name}() is not available in diagrams")
        elif isinstance(node, ast.Attribute) and node.attr in DENIED_ATTRIBUTES:
            problems.append(f".{node.attr}() is not allowed (use + or str())")
    return sorted(set(problems))


def base_globals(calendar: WorkdayCalendar) -> dict[str, Any]:
    """What code sees besides task data: the builtins allow-list, guards and helpers."""
    return {"__builtins__": _BUILTINS, **GUARDS, **helper_functions(calendar)}


def _check_no_shadowing(context: Mapping[str, Any]) -> None:
    clash = HELPER_NAMES.intersection(context)
    if clash:
        raise ScriptRejected(f"task data may not use the reserved names {sorted(clash)}")


def evaluate_inline(code: CompiledCode, scope: dict[str, Any]) -> Any:
    """Evaluate in-process code (only code that `compile_code` marked inline)."""
    return eval(code.code, scope)  # noqa: S307  (restricted bytecode, allow-listed names)


def execute_inline(code: CompiledCode, scope: dict[str, Any]) -> None:
    """Run in-process code (only simple assignments, marked inline by `compile_code`)."""
    exec(code.code, scope)  # noqa: S102  (restricted bytecode, allow-listed names)


def plain_results(scope: Mapping[str, Any], hidden: set[str]) -> dict[str, Any]:
    """The variables a script left that belong in task data: no helpers, modules or callables."""
    return {
        key: value
        for key, value in scope.items()
        if key not in hidden and not key.startswith("_") and not callable(value)
    }


def checked_context(context: Mapping[str, Any]) -> None:
    """Refuse task data that would hide a helper function."""
    _check_no_shadowing(context)
