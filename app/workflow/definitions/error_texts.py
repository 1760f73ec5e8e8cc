"""The engine's and Python's English error texts, phrased in Chinese for the people who read
them (the office on an instance page, a process owner in a test run). Only the frame is
translated: what a diagram or a service said inside it is kept as it was."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _


def _expression_failed(match: re.Match[str]) -> str:
    names = match["many"] or (f"'{match['one']}'" if match["one"] else "")
    if not names:
        return str(_("The expression “%(expression)s” failed.", expression=match["expression"]))
    return str(
        _(
            "The expression “%(expression)s” names something the data does not hold (the data has "
            "%(names)s).",
            expression=match["expression"],
            names="、".join(name.strip().strip("'") for name in names.split(",")),
        )
    )


_PHRASES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^service task failed: (?P<rest>.*)$", re.S),
        lambda m: _("The service task failed: %(reason)s", reason=readable_error(m["rest"])),
    ),
    (
        re.compile(r"^the sample data does not fit the form: (?P<rest>.*)$", re.S),
        lambda m: _("The sample data does not fit the form: %(found)s", found=m["rest"]),
    ),
    (
        re.compile(r"^'(?P<key>[^']+)'$"),  # a KeyError's whole message
        lambda m: _("The data has no “%(key)s”.", key=m["key"]),
    ),
    (
        # SpiffWorkflow's, for a condition, parameter or expression that failed; with its
        # suggestions when a name was not in the data (a start without the data it needs).
        re.compile(
            r"^Error evaluating expression '(?P<expression>.*?)'\.?\s*"
            r"(?:Did you mean (?:one of '\[(?P<many>.*)\]'|'(?P<one>[^']*)')\?)?$",
            re.S,
        ),
        _expression_failed,
    ),
    (
        re.compile(r"^Error evaluating: (?P<rest>.*)$", re.S),
        lambda m: _("The expression failed: %(reason)s", reason=readable_error(m["rest"])),
    ),
]
# Python's own words, wherever they stand in a message.
_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"name '(?P<name>[^']+)' is not defined"),
        lambda m: _("the name “%(name)s” is not defined", name=m["name"]),
    ),
    (re.compile(r"(?:float )?division(?: or modulo)? by zero"), lambda m: _("division by zero")),
]


def readable_error(message: str | None) -> str:
    """The message with its known English frame in the reader's language."""
    text = (message or "").strip()
    for pattern, phrase in _PHRASES:
        match = pattern.match(text)
        if match:
            return phrase(match)
    for pattern, phrase in _WORDS:
        text = pattern.sub(phrase, text)
    return text
