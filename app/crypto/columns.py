"""`EncryptedText`: a text column whose values are stored SM4-GCM encrypted (stored.py).

An empty string stays empty, so "no contact left" needs no decryption (and tells nothing
more than the form's optional field does). The ciphertext differs every time (random nonce), so
such a column cannot be compared in SQL: the comparator refuses, and a column that must be
searched needs a keyed-hash column beside it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators

from app.crypto.keys import current_keyring
from app.crypto.stored import seal, unseal

_ALLOWED = {operators.is_, operators.is_not}


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest under the current data key; `purpose` names the column
    (`table.column`) and is bound into each value."""

    impl = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[str]):
        """Only IS NULL / IS NOT NULL: equal plaintexts have different ciphertexts."""

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            if op in _ALLOWED:
                return super().operate(op, *other, **kwargs)
            self._refuse(op)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            self._refuse(op)

        def _refuse(self, op: Any) -> NoReturn:
            purpose = getattr(self.type, "purpose", "this column")
            raise TypeError(
                f"{purpose} is encrypted with a random nonce, so SQL cannot compare it "
                f"({getattr(op, '__name__', op)}); search a keyed hash of it instead"
            )

    comparator_factory = Comparator

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return seal(value, current_keyring(), self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        return unseal(value, current_keyring(), self.purpose)
