"""The script sandbox: every expression and script a diagram holds runs here.

Code is compiled with RestrictedPython (no imports, no dunder or frame attributes, guarded
attribute, item and write access) and sees only an allow-list of names. Every piece of code runs
either in a separate process with a memory cap that is killed when it takes longer than the time
limit (`sandbox_runner`), so a `while True` or a `7 ** (7 ** 9)` ends as a script error and never
hangs a worker, or, when it is proven bounded, in this process, which costs microseconds.

The proof (the choice between guarding in-process code and admitting only bounded code; guards
cannot interrupt one C-level `max()` or `s + s`): in-process code has no loops, comprehensions,
`*`, `**`, `%`, `<<`, f-strings or walrus, calls only allow-listed functions whose cost is linear
in their arguments, and its work, bounded from its tree at compile time as a function of the size
of the task data it reads, stays within INLINE_BUDGET for the data it is given (`runs_inline`).
So `s = s + s` written 23 times, or `max(big)` 80 times, runs in the capped process instead, and
no value made in-process (nor any result) can outgrow the budget. `bounds` derives the bound.
"""

from __future__ import annotations

import ast
import operator
import sys
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
from app.workflow.scripting.bounds import (
    Bound,
    data_weight,
    inline_work,
    weight_limit,
)

MAX_SOURCE_LENGTH = 20_000
# The most instances one multi-instance activity may have, whether its count is written in the
# diagram or comes from task data (checked at deploy, and again when the count is evaluated).
MAX_CARDINALITY = 1000


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


class Helper:
    """A function offered to diagram code. Its text is its name only: `str(workday_deadline)`
    would otherwise put a bound method with the calendar's entries, or a function's memory
    address, into task data."""

    __slots__ = ("_function", "_name")

    def __init__(self, name: str, function: Callable[..., Any]) -> None:
        self._name = name
        self._function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<helper {self._name}>"

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (repr(self),))  # crossing the pipe, it stays its name


def helper_functions(calendar: WorkdayCalendar) -> dict[str, Any]:
    """The names diagrams may call besides the builtins (CONTRACT)."""
    return {
        "now": Helper("now", step_now),
        "is_workday": Helper("is_workday", calendar.is_workday),
        "add_workdays": Helper("add_workdays", calendar.add_workdays),
        "workday_deadline": Helper("workday_deadline", calendar.workday_deadline),
        "datetime": datetime,
        "date": date,
        "timedelta": timedelta,
        "Decimal": Decimal,
    }


HELPER_NAMES = frozenset(helper_functions(WorkdayCalendar()))


@dataclass(frozen=True)
class CompiledCode:
    """Restricted bytecode and where it may run: in-process when `work` (None: never) stays
    within INLINE_BUDGET for the data named in `reads`."""

    code: Any
    work: Bound | None
    names: frozenset[str]
    reads: tuple[str, ...]
    # The heaviest data the code may run over in-process (-1: none; sys.maxsize: any).
    weight_limit: int

    @property
    def inline(self) -> bool:
        """Whether the code may run in-process when its data is small enough."""
        return self.work is not None


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
    work = inline_work(tree)
    reads = tuple(sorted(names - HELPER_NAMES))
    return CompiledCode(compiled.code, work, names, reads, weight_limit(work))


def runs_inline(
    code: CompiledCode, context: Mapping[str, Any], external: Mapping[str, Any]
) -> bool:
    """Whether `code` may run in-process over this task data and external context."""
    limit = code.weight_limit
    if limit < 0:
        return False
    if limit == sys.maxsize:
        return True
    weight = 1  # what a name outside the data holds: a builtin, a helper
    for name in code.reads:
        value = context.get(name, external.get(name))
        kind = type(value)
        if kind is str:
            weight += 1 + len(value)
        elif kind is int or kind is float or kind is bool or value is None:
            weight += 1 if kind is not int else 1 + value.bit_length() // 64
        else:
            weight += data_weight([value], limit - weight)
    return weight <= limit


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


def evaluate_inline(
    code: CompiledCode, globals_: dict[str, Any], data: Mapping[str, Any] | None = None
) -> Any:
    """Evaluate in-process code (only code that `runs_inline` admits); `data` is read as local
    names (an inline expression stores none), so neither it nor `globals_` is copied."""
    return eval(code.code, globals_, data)  # noqa: S307  (restricted bytecode, allow-listed names)


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
