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
no value made in-process (nor any result) can outgrow the budget. See "What may run in this
process" below.
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

from app.calendar.workdays import MAX_WORKDAYS, WorkdayCalendar
from app.workflow.clock import step_now

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
# Helpers that are functions (the others are types): passed uncalled, they are no value.
HELPER_FUNCTIONS = frozenset({"now", "is_workday", "add_workdays", "workday_deadline"})

# --- What may run in this process -----------------------------------------------------------
#
# In-process code must be proven bounded before it runs. `compile_code` walks the tree once and
# derives, for every value the code can make, a bound on its size, and for the whole code a bound
# on its work, both of the form `per_input * W + fixed`, where W is the weight of the task data
# the code reads (one per scalar, one per character, one per element plus the elements' own).
# Loops, comprehensions, `*`, `**`, `%`, `<<`, f-strings and calls whose cost is not linear in
# their arguments are not accepted at all. `s = s + s` doubles `per_input` on every line, so 23
# such lines give 2**23 and the code goes to the separate process, as does `max(big)` written 80
# times over a large list: before running in-process, the engine weighs the data the code names
# (stopping once past the budget) and compares the bound with INLINE_BUDGET. Within it, the work
# takes a few milliseconds; every value, and so every result, is bounded by the same figure.

# Work units the in-process path may spend: about 15 ms of the slowest work accounted (`str()` of
# a long list of floats, `==` of nested lists, nine ten-year working-day deadlines), measured on
# a loaded two-core machine; anything heavier runs in the separate process, under its limits.
INLINE_BUDGET = 1_000_000


@dataclass(frozen=True)
class Bound:
    """`per_input * W + fixed`, W being the weight of the task data the code reads."""

    per_input: int
    fixed: int

    def __add__(self, other: Bound) -> Bound:
        return Bound(self.per_input + other.per_input, self.fixed + other.fixed)

    def times(self, factor: int) -> Bound:
        """The bound `factor` times over."""
        return Bound(self.per_input * factor, self.fixed * factor)

    def join(self, other: Bound) -> Bound:
        """A bound of either value (after a branch, a name holds one of them)."""
        return Bound(max(self.per_input, other.per_input), max(self.fixed, other.fixed))

    def at(self, weight: int) -> int:
        """The bound for data of `weight`."""
        return self.per_input * weight + self.fixed


_NOTHING = Bound(0, 0)
_UNIT = Bound(0, 1)
_INPUT = Bound(1, 0)

# Names that may be called in-process, with how much larger than its arguments the result can
# be and how much work a call does per unit of its arguments (the default: 1 and 2). `int` and
# `round` are not here: `int(Decimal("1e999999"))` builds a million-digit number.
_INLINE_CALLS: dict[str, tuple[int, int]] = {
    "len": (0, 1), "bool": (0, 1), "abs": (1, 1), "float": (1, 2), "isinstance": (0, 1),
    "min": (1, 2), "max": (1, 2), "sum": (1, 2), "any": (0, 1), "all": (0, 1),
    "str": (32, 16), "tuple": (2, 2), "list": (2, 2), "dict": (2, 4), "set": (2, 4),
    "sorted": (2, 24), "ValueError": (1, 1),
    "Decimal": (1, 8), "datetime": (0, 1), "date": (0, 1), "timedelta": (0, 1),
    "now": (0, 1), "is_workday": (0, 1), "add_workdays": (0, 1), "workday_deadline": (0, 1),
}  # fmt: skip
# A working-day helper looks at each calendar day it passes (about 1.5 µs, 100 units): up to
# MAX_WORKDAYS working days, or as many as a literal count says, and the holidays in between.
_DAY_WORK = 100
_COUNTING_HELPERS = frozenset({"add_workdays", "workday_deadline"})


def _helper_work(node: ast.Call, name: str) -> int:
    """What one call of `name` may cost besides the size of its arguments."""
    if name == "is_workday":
        return _DAY_WORK
    if name not in _COUNTING_HELPERS:
        return 1
    count = node.args[1] if len(node.args) > 1 else None
    count = next((k.value for k in node.keywords if k.arg == "count"), count)
    if isinstance(count, ast.UnaryOp) and isinstance(count.op, ast.USub | ast.UAdd):
        count = count.operand
    literal = isinstance(count, ast.Constant) and type(count.value) is int
    days = min(abs(count.value), MAX_WORKDAYS) if literal else MAX_WORKDAYS  # type: ignore[union-attr]
    return _DAY_WORK * (days * 3 // 2 + 30)


# Methods whose result and work are linear in their receiver and arguments (no width or repeat
# arguments; `strip` and its kin only with literal characters, see `_method_allowed`).
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
        "lstrip",
        "rstrip",
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
_METHOD_GROWTH, _METHOD_WORK = 4, 4
_STRIPS = frozenset({"strip", "lstrip", "rstrip"})
_INLINE_BINARY = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv)
_INLINE_UNARY = (ast.USub, ast.UAdd, ast.Not)


class _NotInline(Exception):
    pass


class _WorkBound:
    """Walks code in the order it runs and bounds its values and its work (see above)."""

    def __init__(self) -> None:
        self.names: dict[str, Bound] = {}
        self.work = _NOTHING

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Expr):
            self.value(node.value)
        elif isinstance(node, ast.Assign):
            size = self.value(node.value)
            for target in node.targets:
                self._store(target, size)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, _INLINE_BINARY):
            size = self._load(node.target) + self.value(node.value)
            self.work += size
            self._store(node.target, size)
        elif isinstance(node, ast.If):  # a branch runs at most once: no repetition
            self.value(node.test)
            for inner in [*node.body, *node.orelse]:
                self.statement(inner)
        elif isinstance(node, ast.Raise) and node.cause is None:
            if node.exc is not None:
                self.value(node.exc)
        elif not isinstance(node, ast.Pass):
            raise _NotInline

    def _store(self, target: ast.expr, size: Bound) -> None:
        if not isinstance(target, ast.Name):
            raise _NotInline
        self.names[target.id] = self.names.get(target.id, _NOTHING).join(size)

    def _load(self, node: ast.expr) -> Bound:
        if not isinstance(node, ast.Name):
            raise _NotInline
        self.work += _UNIT
        # A name the code has not set, or set in a branch that may not have run, is task data.
        return self.names.get(node.id, _NOTHING).join(_INPUT)

    def value(self, node: ast.expr) -> Bound:  # noqa: C901, PLR0912  (one case per node type)
        """The bound of the value of `node`; its work is added to `self.work`."""
        if isinstance(node, ast.Constant):
            self.work += _UNIT
            return Bound(0, 1 + (len(node.value) if isinstance(node.value, str | bytes) else 0))
        if isinstance(node, ast.Name):
            return self._load(node)
        if isinstance(node, ast.Attribute):
            self.work += _UNIT
            return self.value(node.value)
        if isinstance(node, ast.Subscript):
            size = self.value(node.value)
            self.work += size + self.value(node.slice)
            return size
        if isinstance(node, ast.Slice):
            parts = [p for p in (node.lower, node.upper, node.step) if p is not None]
            return sum((self.value(p) for p in parts), _UNIT)
        if isinstance(node, ast.BinOp) and isinstance(node.op, _INLINE_BINARY):
            size = self.value(node.left) + self.value(node.right)
            self.work += size
            return size
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, _INLINE_UNARY):
            size = self.value(node.operand)
            self.work += size
            return size
        if isinstance(node, ast.BoolOp):  # its value is one of its operands
            return sum((self.value(v) for v in node.values), _NOTHING)
        if isinstance(node, ast.Compare):
            operands = sum((self.value(v) for v in [node.left, *node.comparators]), _NOTHING)
            self.work += operands.times(4)  # a chained operand is compared twice
            return _UNIT
        if isinstance(node, ast.IfExp):
            self.value(node.test)
            return self.value(node.body) + self.value(node.orelse)
        if isinstance(node, ast.Dict):
            parts = [p for p in [*node.keys, *node.values] if p is not None]
            size = sum((self.value(p) for p in parts), Bound(0, 1 + len(parts)))
            self.work += size
            return size
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            size = sum((self.value(e) for e in node.elts), Bound(0, 1 + len(node.elts)))
            self.work += size
            return size
        if isinstance(node, ast.Call):
            return self._call(node)
        raise _NotInline

    def _call(self, node: ast.Call) -> Bound:
        func = node.func
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            isinstance(a, ast.Name) and a.id in HELPER_FUNCTIONS for a in arguments
        ):
            raise _NotInline  # a helper as a `key=` runs once per element, at its own cost
        if isinstance(func, ast.Name) and func.id in _INLINE_CALLS and _call_allowed(node):
            growth, per_unit = _INLINE_CALLS[func.id]
            extra = _helper_work(node, func.id)
            size = _NOTHING
        elif isinstance(func, ast.Attribute) and _method_allowed(node, func):
            growth, per_unit, extra = _METHOD_GROWTH, _METHOD_WORK, 1
            size = self.value(func.value)  # the receiver
        else:
            raise _NotInline
        size = sum((self.value(a) for a in arguments), size)
        self.work += size.times(per_unit) + Bound(0, extra)
        return size.times(growth) + _UNIT


def _call_allowed(node: ast.Call) -> bool:
    assert isinstance(node.func, ast.Name)
    if node.func.id != "sum":
        return True
    # `sum(lists, [])` copies the total on every element: only a number may start the sum.
    start = [*node.args[1:], *(k.value for k in node.keywords if k.arg == "start")]
    return all(
        (isinstance(s, ast.Constant) and isinstance(s.value, int | float))
        or (isinstance(s, ast.Call) and isinstance(s.func, ast.Name) and s.func.id == "Decimal")
        for s in start
    )


def _method_allowed(node: ast.Call, func: ast.Attribute) -> bool:
    if func.attr not in _INLINE_METHODS:
        return False
    # `s.strip(chars)` tests every character against all of `chars`: only literal characters.
    return func.attr not in _STRIPS or all(isinstance(a, ast.Constant) for a in node.args)


def _inline_work(tree: ast.AST) -> Bound | None:
    """The work bound of code that may run in-process, or None for code that may not."""
    bound = _WorkBound()
    try:
        if isinstance(tree, ast.Expression):
            bound.value(tree.body)
        else:
            assert isinstance(tree, ast.Module)
            for statement in tree.body:
                bound.statement(statement)
    except _NotInline:
        return None
    return bound.work + _UNIT


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


def _weight_limit(work: Bound | None) -> int:
    if work is None or work.fixed > INLINE_BUDGET:
        return -1
    return (INLINE_BUDGET - work.fixed) // work.per_input if work.per_input else sys.maxsize


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
    work = _inline_work(tree)
    reads = tuple(sorted(names - HELPER_NAMES))
    return CompiledCode(compiled.code, work, names, reads, _weight_limit(work))


def data_weight(values: list[Any], limit: int) -> int:
    """The weight of `values` (see `Bound`), counted until it passes `limit`."""
    total = 0
    pending = values
    while pending and total <= limit:
        value = pending.pop()
        if isinstance(value, str | bytes):
            total += 1 + len(value)
        elif isinstance(value, int):
            total += 1 + value.bit_length() // 64
        elif isinstance(value, list | tuple | set | frozenset | dict):
            total += 1 + len(value)
            if total <= limit:
                pending.extend(value)
                if isinstance(value, dict):
                    pending.extend(value.values())
        else:  # a number, a date, None: their size in memory tells a long Decimal from a short
            total += 1 + sys.getsizeof(value) // 64
    return total


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
