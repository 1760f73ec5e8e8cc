"""SM4 (GB/T 32907-2016) and SM4-GCM against published vectors. The standard's second vector
(the block encrypted 1,000,000 times) is left out: it takes about 20 s in pure Python."""

from __future__ import annotations

import pytest

from app.crypto.sm4 import (
    AuthenticationError,
    decrypt_block,
    encrypt_block,
    gcm_decrypt,
    gcm_encrypt,
    round_keys,
)

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
# RFC 8998 appendix A.1.
NONCE = bytes.fromhex("00001234567800000000abcd")
AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
PLAIN = bytes.fromhex(
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
CIPHER = bytes.fromhex(
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
)
TAG = bytes.fromhex("83de3541e4c2b58177e065a9bf7b62ec")


def test_the_standards_example_encrypts_and_decrypts() -> None:
    # GB/T 32907-2016 appendix A, example 1: key and plaintext are the same block.
    assert encrypt_block(KEY, KEY).hex() == "681edf34d206965e86b3e94f536e4246"
    assert decrypt_block(KEY, bytes.fromhex("681edf34d206965e86b3e94f536e4246")) == KEY


def test_the_key_schedule_matches_the_standards_first_and_last_round_keys() -> None:
    keys = round_keys(KEY)
    assert (keys[0], keys[31]) == (0xF12186F9, 0x9124A012)


def test_sm4_gcm_matches_rfc_8998() -> None:
    assert gcm_encrypt(KEY, NONCE, PLAIN, AAD) == CIPHER + TAG
    assert gcm_decrypt(KEY, NONCE, CIPHER + TAG, AAD) == PLAIN


def test_an_empty_message_still_has_its_tag() -> None:
    # Wycheproof's SM4-GCM case 2 (no plaintext, no associated data): the tag alone.
    key = bytes.fromhex("bedcfb5a011ebc84600fcb296c15af0d")
    nonce = bytes.fromhex("438a547a94ea88dce46c6c85")
    assert gcm_encrypt(key, nonce, b"").hex() == "a486a45596cb92cf529de2038583707d"


@pytest.mark.parametrize(
    ("key", "nonce", "sealed", "aad"),
    [
        (KEY, NONCE, bytes([CIPHER[0] ^ 1]) + CIPHER[1:] + TAG, AAD),  # a ciphertext bit
        (KEY, NONCE, CIPHER + bytes([TAG[0] ^ 0x80]) + TAG[1:], AAD),  # a tag bit
        (KEY, NONCE, CIPHER + TAG, AAD[:-1]),  # other associated data
        (KEY, bytes(12), CIPHER + TAG, AAD),  # another nonce
        (bytes(16), NONCE, CIPHER + TAG, AAD),  # another key
        (KEY, NONCE, TAG[:15], AAD),  # shorter than a tag
    ],
)
def test_any_change_fails_authentication(
    key: bytes, nonce: bytes, sealed: bytes, aad: bytes
) -> None:
    with pytest.raises(AuthenticationError):
        gcm_decrypt(key, nonce, sealed, aad)


def test_wrong_key_and_nonce_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        encrypt_block(KEY[:8], KEY)
    with pytest.raises(ValueError, match="12 bytes"):
        gcm_encrypt(KEY, bytes(16), PLAIN)
