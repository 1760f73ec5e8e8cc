"""Problems found in scoring inputs, each naming the unit and the input, and the reader that
collects them instead of stopping at the first."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.errors import InvalidInput

# No score input comes near a billion; bigger ones would overflow the Decimal context.
_LARGEST_EXPONENT = 9


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs: the unit (None for the file itself), the input, why."""

    unit: str | None
    input: str
    message: str

    @classmethod
    def at(cls, unit: str | None, where: str, why: str) -> Problem:
        """The problem with a message that starts by naming the unit (or the file) and input."""
        prefix = (
            _("Unit %(code)s, %(input)s:", code=unit, input=where)
            if unit is not None
            else _("Inputs file, %(input)s:", input=where)
        )
        return cls(unit, where, f"{prefix} {why}")

    def as_dict(self) -> dict[str, str | None]:
        """The problem as error details."""
        return {"unit": self.unit, "input": self.input, "message": self.message}


class InputsProblem(InvalidInput):
    """The inputs cannot be scored; `details` lists every problem with its unit and input."""

    def __init__(self, problems: list[Problem]) -> None:
        lines = [p.message for p in problems]
        super().__init__(
            _("The scoring inputs have %(count)d problem(s):", count=len(problems))
            + "\n"
            + "\n".join(lines),
            details=[p.as_dict() for p in problems],
        )
        self.problems = problems


@dataclass
class InputReader:
    """Reads one unit's (or the file's) fields, collecting problems instead of stopping."""

    unit: str | None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem.at(self.unit, where, message))

    def required(self, data: Mapping[str, Any], key: str, where: str | None = None) -> Any:
        if key not in data:
            self.problem(where or key, _("missing."))
            return None
        return data[key]

    def number(
        self,
        value: Any,
        where: str,
        *,
        low: Decimal | None = None,
        high: Decimal | None = None,
    ) -> Decimal | None:
        if value is None:
            self.problem(where, _("missing."))
            return None
        number = _as_decimal(value)
        if number is None:
            shown = json.dumps(value, default=str, ensure_ascii=False)
            self.problem(where, _("%(value)s is not a number.", value=shown))
            return None
        if number.adjusted() > _LARGEST_EXPONENT:
            self.problem(where, _("%(value)s is out of range.", value=number))
            return None
        if low is not None and number < low:
            self.problem(where, _("%(value)s is below %(low)s.", value=number, low=low))
            return None
        if high is not None and number > high:
            self.problem(where, _("%(value)s is above %(high)s.", value=number, high=high))
            return None
        return number

    def count(self, value: Any, where: str) -> int | None:
        number = self.number(value, where, low=Decimal(0))
        if number is None:
            return None
        if number != number.to_integral_value():
            self.problem(where, _("%(value)s is not a whole number.", value=number))
            return None
        return int(number)

    def numbers(
        self, value: Any, where: str, *, high: Decimal | None = None
    ) -> tuple[Decimal, ...]:
        if value is None:
            self.problem(where, _("missing."))
            return ()
        if not isinstance(value, list):
            self.problem(where, _("must be a list of numbers."))
            return ()
        read = [
            self.number(v, f"{where}[{i}]", low=Decimal(0), high=high) for i, v in enumerate(value)
        ]
        return tuple(n for n in read if n is not None)

    def flag(self, data: Mapping[str, Any], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(key, _("must be true or false."))
            return False
        return value


def _as_decimal(value: Any) -> Decimal | None:
    """A JSON number or numeric text as a finite Decimal from its text, else None."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str | float):
        return None
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
