"""Personal information shown masked (S19): a mobile number as 138****1234, an ID number as
110***********123X, an e-mail as z***@example.com; anything else keeps only its ends."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^\+?(?:86)?(1\d{10})$")
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+)$")


def mask_personal(value: str | None) -> str:
    """`value` with its middle hidden, so a page confirms what was left without showing it."""
    if not value:
        return ""
    text = value.strip()
    compact = re.sub(r"[\s-]", "", text)
    if mobile := _MOBILE.match(compact):
        number = mobile.group(1)
        return f"{number[:3]}****{number[-4:]}"
    if _ID_NUMBER.match(compact):
        return f"{compact[:3]}{'*' * 11}{compact[-4:]}"
    if email := _EMAIL.match(text):
        local, domain = email.groups()
        return f"{local[0]}***@{domain}"
    if len(compact) <= 4:
        return "*" * len(compact)
    keep = 3 if len(compact) >= 10 else 1
    return f"{compact[:keep]}{'*' * (len(compact) - keep - 2)}{compact[-2:]}"
