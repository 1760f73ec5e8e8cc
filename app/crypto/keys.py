"""The data keys that encrypt personal information at rest (S19), from configuration only.

`JIXIAO_DATA_KEYS` lists `id:hexkey` pairs separated by commas; the first encrypts, every one
decrypts, so a new key goes first and an old one stays listed until `flask crypto rotate` has
re-encrypted its values. Keys never come from the database: a database dump alone reveals
nothing. Without the variable, development and testing derive one fixed key (id `dev`) from
SECRET_KEY; production refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BYTES = 16
DEV_KEY_ID = "dev"


class DataKeyConfigError(RuntimeError):
    """JIXIAO_DATA_KEYS is missing where it must be set, or cannot be read."""


@dataclass(frozen=True)
class Keyring:
    """The configured data keys: `current` encrypts, any of `keys` decrypts."""

    current: str
    keys: Mapping[str, bytes]

    def key(self, key_id: str) -> bytes | None:
        """The key named `key_id`, None if it is not configured."""
        return self.keys.get(key_id)


def parse_data_keys(text: str) -> Keyring:
    """The keyring of a JIXIAO_DATA_KEYS value; DataKeyConfigError naming the bad entry
    (never its key material)."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate((e.strip() for e in text.split(",")), start=1):
        key_id, _colon, hex_key = entry.partition(":")
        if not KEY_ID.match(key_id):
            raise DataKeyConfigError(
                f"JIXIAO_DATA_KEYS entry {position}: the key id must be 1-32 letters, digits, "
                "'-' or '_', followed by ':' and the key"
            )
        if key_id in keys:
            raise DataKeyConfigError(f"JIXIAO_DATA_KEYS names the key id {key_id!r} twice")
        try:
            key = bytes.fromhex(hex_key.strip())
        except ValueError:
            key = b""
        if len(key) != KEY_BYTES:
            raise DataKeyConfigError(
                f"JIXIAO_DATA_KEYS key {key_id!r} must be {KEY_BYTES * 2} hexadecimal digits"
            )
        keys[key_id] = key
    return Keyring(current=next(iter(keys)), keys=keys)


def development_key(secret_key: str) -> bytes:
    """The fixed key of development and testing, derived from SECRET_KEY (never production)."""
    return hmac.new(secret_key.encode(), b"jixiao data key (development)", hashlib.sha256).digest()[
        :KEY_BYTES
    ]


@lru_cache(maxsize=8)
def _keyring(data_keys: str, env_name: str, secret_key: str) -> Keyring:
    if data_keys.strip():
        return parse_data_keys(data_keys)
    if env_name == "production":
        raise DataKeyConfigError(
            "JIXIAO_DATA_KEYS must be set in production (id:32-hex-digit key, e.g. "
            "k2026:$(python3 -c 'import secrets; print(secrets.token_hex(16))'))"
        )
    return Keyring(current=DEV_KEY_ID, keys={DEV_KEY_ID: development_key(secret_key)})


def keyring_for(config: Mapping[str, Any]) -> Keyring:
    """The keyring an application's configuration gives; DataKeyConfigError if it gives none."""
    return _keyring(
        str(config.get("DATA_KEYS") or ""),
        str(config.get("ENV_NAME") or ""),
        str(config.get("SECRET_KEY") or ""),
    )


def current_keyring() -> Keyring:
    """The keyring of the running application."""
    if not has_app_context():
        raise DataKeyConfigError("encrypted columns are read and written inside the application")
    return keyring_for(current_app.config)
