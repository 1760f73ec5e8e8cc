"""The stored form of an encrypted value: `sm4gcm:<key id>:<base64 of nonce | ciphertext | tag>`.

The associated data binds the value to its key id and its column (`purpose`, e.g.
`daily_ratings.contact`), so a value copied into another column does not decrypt. It is not
bound to its row: a column type does not know the row id when an insert is written.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from app.crypto.keys import Keyring
from app.crypto.sm4 import NONCE_SIZE, TAG_SIZE, AuthenticationError, gcm_decrypt, gcm_encrypt

SCHEME = "sm4gcm"
PREFIX = SCHEME + ":"


class EncryptedValueError(Exception):
    """A stored value that cannot be decrypted."""


class UnknownDataKey(EncryptedValueError):
    """The value names a key id the configuration does not hold."""


class TamperedValue(EncryptedValueError):
    """The value is malformed, or its tag does not match (changed, moved, or a wrong key)."""


class NotEncrypted(EncryptedValueError):
    """A value in an encrypted column is plaintext (written around the column type)."""


def is_encrypted(value: str) -> bool:
    """Whether `value` has the stored form (not whether it decrypts)."""
    return value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    """The key id a stored value names."""
    return value[len(PREFIX) :].partition(":")[0]


def _associated(key_id: str, purpose: str) -> bytes:
    return f"{SCHEME}:{key_id}:{purpose}".encode()


def seal(plaintext: str, keyring: Keyring, purpose: str) -> str:
    """`plaintext` encrypted under the current key, with a fresh random nonce."""
    key_id = keyring.current
    key = keyring.key(key_id)
    assert key is not None  # the keyring's current id is always one of its keys
    nonce = secrets.token_bytes(NONCE_SIZE)
    sealed = gcm_encrypt(key, nonce, plaintext.encode(), _associated(key_id, purpose))
    return f"{PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(value: str, keyring: Keyring, purpose: str) -> str:
    """The plaintext of a stored value of column `purpose`; UnknownDataKey, TamperedValue or
    NotEncrypted when it cannot be read."""
    if not is_encrypted(value):
        raise NotEncrypted(
            f"{purpose} holds a value that is not encrypted; `flask crypto rotate` encrypts it"
        )
    key_id, _colon, body = value[len(PREFIX) :].partition(":")
    key = keyring.key(key_id)
    if key is None:
        known = ", ".join(sorted(keyring.keys))
        raise UnknownDataKey(
            f"{purpose} holds a value encrypted with data key {key_id!r}, which "
            f"JIXIAO_DATA_KEYS does not hold (it holds: {known}); list that key again, after "
            "the current one, until `flask crypto rotate` has re-encrypted its values"
        )
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise TamperedValue(f"{purpose} holds a value that is not valid base64") from None
    if len(raw) < NONCE_SIZE + TAG_SIZE:
        raise TamperedValue(f"{purpose} holds a value too short to be encrypted")
    try:
        plain = gcm_decrypt(key, raw[:NONCE_SIZE], raw[NONCE_SIZE:], _associated(key_id, purpose))
    except AuthenticationError:
        raise TamperedValue(
            f"{purpose} holds a value whose tag does not match under data key {key_id!r}: it "
            "was changed, copied from another column, or the key is not the one it was made with"
        ) from None
    return plain.decode()
