"""SM4 (GB/T 32907-2016) and SM4-GCM, in pure Python: neither `gmssl` nor `cryptography` is
installed, and a value of at most a few hundred bytes costs well under a millisecond.

The mode is GCM (NIST SP 800-38D with SM4 as the block cipher, as RFC 8998 and GB/T 36624
use it): CTR encryption and a GHASH tag in one pass under one key, checked against RFC 8998's
vector. Nonces are 96 bits (the size GCM is defined for without hashing the nonce), drawn at
random per value by the caller; a 128-bit tag. GCM's bound for random 96-bit nonces, 2^32 values
per key, is far above the personal data of this system, and rotation starts a new key anyway.
"""

from __future__ import annotations

import hmac
import struct
from functools import lru_cache

BLOCK = 16
NONCE_SIZE = 12
TAG_SIZE = 16

_SBOX = bytes.fromhex(
    "d690e9fecce13db716b614c228fb2c052b679a762abe04c3aa44132649860699"
    "9c4250f491ef987a33540b43edcfac62e4b31ca9c908e89580df94fa758f3fa6"
    "4707a7fcf37317ba83593c19e6854fa8686b81b27164da8bf8eb0f4b70569d35"
    "1e240e5e6358d1a225227c3b01217887d40046579fd327524c3602e7a0c4c89e"
    "eabf8ad240c738b5a3f7f2cef96115a1e0ae5da49b341a55ad933230f58cb1e3"
    "1df6e22e8266ca60c02923ab0d534e6fd5db3745defd8e2f03ff6a726d6c5b51"
    "8d1baf92bbddbc7f11d95c411f105ad80ac13188a5cd7bbd2d74d012b8e5b4b0"
    "8969974a0c96777e65b9f109c56ec68418f07dec3adc4d2079ee5f3ed7cb3948"
)
_FK = (0xA3B1BAC6, 0x56AA3350, 0x677D9197, 0xB27022DC)
# CK_i's bytes are (4i + j) * 7 mod 256, j = 0 … 3.
_CK = tuple(
    int.from_bytes(bytes(((4 * i + j) * 7) % 256 for j in range(4)), "big") for i in range(32)
)
_MASK = 0xFFFFFFFF


def _rotl(word: int, bits: int) -> int:
    return ((word << bits) | (word >> (32 - bits))) & _MASK


def _tau(word: int) -> int:
    """The S-box applied to each byte of a word."""
    return int.from_bytes(bytes(_SBOX[b] for b in word.to_bytes(4, "big")), "big")


def _round_transform(word: int) -> int:
    """T = L∘τ of the encryption rounds, as four table look-ups (L is linear)."""
    return _T0[word >> 24] ^ _T1[(word >> 16) & 0xFF] ^ _T2[(word >> 8) & 0xFF] ^ _T3[word & 0xFF]


def _linear(word: int) -> int:
    return word ^ _rotl(word, 2) ^ _rotl(word, 10) ^ _rotl(word, 18) ^ _rotl(word, 24)


_T0 = tuple(_linear(_SBOX[b] << 24) for b in range(256))
_T1 = tuple(_linear(_SBOX[b] << 16) for b in range(256))
_T2 = tuple(_linear(_SBOX[b] << 8) for b in range(256))
_T3 = tuple(_linear(_SBOX[b]) for b in range(256))


@lru_cache(maxsize=16)
def round_keys(key: bytes) -> tuple[int, ...]:
    """The 32 round keys of a 128-bit key (the key schedule, with T' = L'∘τ)."""
    if len(key) != BLOCK:
        raise ValueError("an SM4 key is 16 bytes")
    k = [w ^ f for w, f in zip(struct.unpack(">4I", key), _FK, strict=True)]
    for i in range(32):
        mixed = _tau(k[i + 1] ^ k[i + 2] ^ k[i + 3] ^ _CK[i])
        k.append(k[i] ^ mixed ^ _rotl(mixed, 13) ^ _rotl(mixed, 23))
    return tuple(k[4:])


def _crypt_block(keys: tuple[int, ...], block: bytes) -> bytes:
    x0, x1, x2, x3 = struct.unpack(">4I", block)
    for rk in keys:
        x0, x1, x2, x3 = x1, x2, x3, x0 ^ _round_transform(x1 ^ x2 ^ x3 ^ rk)
    return struct.pack(">4I", x3, x2, x1, x0)


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """One 16-byte block encrypted under `key`."""
    return _crypt_block(round_keys(key), block)


def decrypt_block(key: bytes, block: bytes) -> bytes:
    """One 16-byte block decrypted under `key` (the rounds with the keys reversed)."""
    return _crypt_block(round_keys(key)[::-1], block)


class AuthenticationError(ValueError):
    """The tag does not match: the ciphertext, nonce, associated data or key is not the one
    it was made with."""


_R = 0xE1 << 120


@lru_cache(maxsize=16)
def _multiplication_table(h: int) -> tuple[tuple[int, ...], ...]:
    """H·X for each 4-bit slice of X, at each of its 32 positions, in GCM's bit order
    (the leftmost bit is the coefficient of x^0): a product becomes 32 look-ups."""
    powers = [h]  # H·x^i
    for _i in range(127):
        v = powers[-1]
        powers.append((v >> 1) ^ _R if v & 1 else v >> 1)
    table = []
    for position in range(32):
        row = []
        for nibble in range(16):
            product = 0
            for bit in range(4):
                if nibble & (8 >> bit):
                    product ^= powers[4 * position + bit]
            row.append(product)
        table.append(tuple(row))
    return tuple(table)


def _ghash(h: int, associated: bytes, ciphertext: bytes) -> bytes:
    table = _multiplication_table(h)

    def times_h(x: int) -> int:
        z = 0
        for position in range(32):
            z ^= table[position][(x >> (124 - 4 * position)) & 0xF]
        return z

    y = 0
    for data in (associated, ciphertext):
        for start in range(0, len(data), BLOCK):
            chunk = data[start : start + BLOCK].ljust(BLOCK, b"\0")
            y = times_h(y ^ int.from_bytes(chunk, "big"))
    lengths = struct.pack(">QQ", len(associated) * 8, len(ciphertext) * 8)
    return times_h(y ^ int.from_bytes(lengths, "big")).to_bytes(BLOCK, "big")


def _ctr(keys: tuple[int, ...], counter_block: bytes, data: bytes) -> bytes:
    prefix, counter = counter_block[:12], struct.unpack(">I", counter_block[12:])[0]
    out = bytearray()
    for start in range(0, len(data), BLOCK):
        counter = (counter + 1) & _MASK
        stream = _crypt_block(keys, prefix + struct.pack(">I", counter))
        out += bytes(a ^ b for a, b in zip(data[start : start + BLOCK], stream, strict=False))
    return bytes(out)


@lru_cache(maxsize=16)
def _hash_subkey(keys: tuple[int, ...]) -> int:
    """H, the zero block encrypted: GHASH's key."""
    return int.from_bytes(_crypt_block(keys, bytes(BLOCK)), "big")


def _tag(keys: tuple[int, ...], j0: bytes, associated: bytes, ciphertext: bytes) -> bytes:
    s = _ghash(_hash_subkey(keys), associated, ciphertext)
    return bytes(a ^ b for a, b in zip(_crypt_block(keys, j0), s, strict=True))


def _j0(nonce: bytes) -> bytes:
    if len(nonce) != NONCE_SIZE:
        raise ValueError("an SM4-GCM nonce is 12 bytes here")
    return nonce + b"\0\0\0\1"


def gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated: bytes = b"") -> bytes:
    """The ciphertext followed by its 16-byte tag."""
    keys, j0 = round_keys(key), _j0(nonce)
    ciphertext = _ctr(keys, j0, plaintext)
    return ciphertext + _tag(keys, j0, associated, ciphertext)


def gcm_decrypt(key: bytes, nonce: bytes, sealed: bytes, associated: bytes = b"") -> bytes:
    """The plaintext of `gcm_encrypt`'s output; AuthenticationError before anything is
    decrypted if the tag does not match."""
    if len(sealed) < TAG_SIZE:
        raise AuthenticationError("the value is shorter than its tag")
    keys, j0 = round_keys(key), _j0(nonce)
    ciphertext, tag = sealed[:-TAG_SIZE], sealed[-TAG_SIZE:]
    if not hmac.compare_digest(_tag(keys, j0, associated, ciphertext), tag):
        raise AuthenticationError("the tag does not match")
    return _ctr(keys, j0, ciphertext)
