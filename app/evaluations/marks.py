"""Reading a score typed by a rater: a number from 0 to the scale's top, two decimals at most."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from app.errors import InvalidInput


def parse_score(raw: object, top: Decimal) -> Decimal:
    """The score in `raw`, or InvalidInput saying what is wrong with it (`raw` is never blank)."""
    text = str(raw).strip()
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(_("Enter a number.")) from None
    if not score.is_finite():
        raise InvalidInput(_("Enter a number."))
    if score < 0 or score > top:
        raise InvalidInput(_("Enter a score from 0 to %(top)s.", top=top))
    if score != score.quantize(Decimal("0.01")):
        raise InvalidInput(_("Two decimal places at most."))
    return score.quantize(Decimal("0.01"))


def unit_error(code: str, name: str, message: str) -> dict[str, str]:
    """A per-unit error detail, keyed by the unit's code (the field next to which it is shown)."""
    return {"path": code, "message": f"{name}：{message}"}
