"""Integers and JSON a request can carry, bounded where they enter: a number no database column
can hold, or JSON nested deeper than the parser can follow, is refused, never a 500 (issue 19)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map

# PostgreSQL's INTEGER, the type of every id, version and year column.
DATABASE_INT_MIN = -(2**31)
DATABASE_INT_MAX = 2**31 - 1


def int_between(low: int, high: int) -> Callable[[str], int]:
    """A `type=` for `request.args.get`: the integer, or ValueError (so the default) outside
    [low, high]."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return parse


database_int = int_between(DATABASE_INT_MIN, DATABASE_INT_MAX)
year_number = int_between(1, 9999)  # what `date` can hold
day_count = int_between(0, 36_600)  # a century: any age or period a page can show


class BoundedParameters(ImmutableMultiDict[str, str]):
    """Query and form values where `get(..., type=int)` gives the default for an integer no
    database column can hold, as it does for one that is not a number."""

    def get(self, key: str, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]
        return super().get(key, default, database_int if type is int else type)


class BoundedRequest(Request):
    """The request class of the app: its `args` and `form` are `BoundedParameters`."""

    parameter_storage_class = BoundedParameters


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in a URL matches only what a database column can hold; larger is a 404."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        high = DATABASE_INT_MAX if max is None else max
        super().__init__(map, fixed_digits, min, high, signed)


class BoundedJSONProvider(DefaultJSONProvider):
    """JSON nested too deep to parse is invalid JSON (400), like any other unreadable body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
