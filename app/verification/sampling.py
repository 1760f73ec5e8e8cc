"""The reproducible random draw of indicators for field checks (SPEC §7).

The seed is derived from the year, the unit's code and a salt stored with the unit's verification
(or given by the office), so anyone holding the seed from the audit trail can draw the same list
again; the salt keeps the draw unpredictable to the unit before it is made.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_SHARE = Decimal("0.2")


def derive_seed(year: int, unit_code: str, salt: str) -> str:
    """The seed of a unit's draw: SHA-256 of year, unit code and salt."""
    return hashlib.sha256(f"{year}:{unit_code}:{salt}".encode()).hexdigest()


def sample_size(count: int, share: Decimal) -> int:
    """How many of `count` indicators are drawn: `share` of them rounded half-up, at least one
    (none of none)."""
    if count == 0:
        return 0
    wanted = int((share * count).to_integral_value(rounding=ROUND_HALF_UP))
    return min(count, max(1, wanted))


def draw_sample(indicator_ids: Sequence[int], seed: str, share: Decimal) -> list[int]:
    """The indicators drawn for field checks, in id order: the same ids, seed and share always
    draw the same list."""
    ordered = sorted(indicator_ids)
    # A reproducible draw, not a secret: the seed is published in the audit trail.
    rng = random.Random(seed)  # noqa: S311
    return sorted(rng.sample(ordered, sample_size(len(ordered), share)))
