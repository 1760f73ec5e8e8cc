"""What may run in the web process: a bound, from a script's syntax tree, on the size of every
value it can make and on its work, as a function of the weight of the task data it reads (see
`sandbox` for why in-process code is proven bounded rather than guarded)."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import Any

from app.calendar.workdays import MAX_WORKDAYS

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


def inline_work(tree: ast.AST) -> Bound | None:
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


def weight_limit(work: Bound | None) -> int:
    if work is None or work.fixed > INLINE_BUDGET:
        return -1
    return (INLINE_BUDGET - work.fixed) // work.per_input if work.per_input else sys.maxsize


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
