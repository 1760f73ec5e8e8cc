"""Files encrypted at rest (S19's evidence store): SM4-GCM from OpenSSL (the `cryptography`
package), in chunks so that neither writing nor reading holds a whole file in memory.

Layout: a header, then the chunks.

    header  b"JXEF" | version 1 | key id length (1 byte) | key id | chunk size (4 bytes, big
            endian) | nonce prefix (7 random bytes)
    chunk   SM4-GCM ciphertext of up to `chunk size` plaintext bytes | 16-byte tag

Chunk i's nonce is the prefix, i (4 bytes, big endian) and 1 for the last chunk, else 0 (the
STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár): chunks cannot be reordered,
dropped or cut off at a chunk boundary without a tag failing. Every chunk's associated data is
the header and the file's `purpose` (for evidence, its storage key), so the key id cannot be
edited and a file copied over another file's name does not decrypt. An empty file is one empty
last chunk. A file without the magic is a plaintext file from before encryption.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.crypto.keys import Keyring
from app.crypto.stored import TamperedValue, UnknownDataKey

MAGIC = b"JXEF"
VERSION = 1
CHUNK_SIZE = 64 * 1024
PREFIX_SIZE = 7
TAG_SIZE = 16
_FIXED = struct.Struct(">4sBB")  # magic, version, key id length
_TAIL = struct.Struct(">I7s")  # chunk size, nonce prefix
MAX_CHUNK = 16 * 1024 * 1024


@dataclass(frozen=True)
class FileHeader:
    """What the header of an encrypted file says."""

    key_id: str
    chunk_size: int
    prefix: bytes
    raw: bytes  # the header's bytes, authenticated with every chunk


@dataclass(frozen=True)
class Sealed:
    """What was written: the plaintext's size and SHA-256, and the key id used."""

    size: int
    sha256: str
    key_id: str


def _header(key_id: str, chunk_size: int, prefix: bytes) -> FileHeader:
    encoded = key_id.encode("ascii")
    raw = _FIXED.pack(MAGIC, VERSION, len(encoded)) + encoded + _TAIL.pack(chunk_size, prefix)
    return FileHeader(key_id, chunk_size, prefix, raw)


def read_header(handle: BinaryIO, purpose: str) -> FileHeader | None:
    """The header at the handle's position, or None (and the position unchanged) when the file
    does not start with the magic: a plaintext file. TamperedValue for a damaged header."""
    start = handle.tell()
    fixed = handle.read(_FIXED.size)
    if len(fixed) < _FIXED.size or not fixed.startswith(MAGIC):
        handle.seek(start)
        return None
    _magic, version, id_length = _FIXED.unpack(fixed)
    key_id_bytes = handle.read(id_length)
    tail = handle.read(_TAIL.size)
    if version != VERSION or len(key_id_bytes) != id_length or len(tail) != _TAIL.size:
        raise TamperedValue(f"{purpose}: the encrypted file's header is damaged")
    chunk_size, prefix = _TAIL.unpack(tail)
    if not 0 < chunk_size <= MAX_CHUNK:
        raise TamperedValue(f"{purpose}: the encrypted file's header is damaged")
    try:
        key_id = key_id_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise TamperedValue(f"{purpose}: the encrypted file's header is damaged") from None
    return FileHeader(key_id, chunk_size, prefix, fixed + key_id_bytes + tail)


def _nonce(header: FileHeader, index: int, last: bool) -> bytes:
    return header.prefix + struct.pack(">IB", index, 1 if last else 0)


def _associated(header: FileHeader, purpose: str) -> bytes:
    return header.raw + purpose.encode()


def seal_stream(
    source: BinaryIO,
    target: BinaryIO,
    keyring: Keyring,
    purpose: str,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Sealed:
    """Encrypt `source` (read to its end) into `target` under the current key."""
    key = keyring.key(keyring.current)
    assert key is not None  # the keyring's current id is always one of its keys
    header = _header(keyring.current, chunk_size, secrets.token_bytes(PREFIX_SIZE))
    associated = _associated(header, purpose)
    target.write(header.raw)
    digest, size, index = hashlib.sha256(), 0, 0
    chunk = source.read(chunk_size)
    while True:
        following = source.read(chunk_size) if len(chunk) == chunk_size else b""
        last = not following
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(_nonce(header, index, last))).encryptor()
        encryptor.authenticate_additional_data(associated)
        target.write(encryptor.update(chunk) + encryptor.finalize() + encryptor.tag)
        digest.update(chunk)
        size += len(chunk)
        if last:
            return Sealed(size, digest.hexdigest(), keyring.current)
        chunk, index = following, index + 1


def _key_for(header: FileHeader, keyring: Keyring, purpose: str) -> bytes:
    key = keyring.key(header.key_id)
    if key is None:
        known = ", ".join(sorted(keyring.keys))
        raise UnknownDataKey(
            f"{purpose} is encrypted with data key {header.key_id!r}, which JIXIAO_DATA_KEYS "
            f"does not hold (it holds: {known}); list that key again, after the current one, "
            "until `flask crypto rotate` has re-encrypted it"
        )
    return key


def open_chunks(
    handle: BinaryIO, header: FileHeader, keyring: Keyring, purpose: str
) -> Iterator[bytes]:
    """The plaintext of an encrypted file, chunk by chunk, from just after its header; each
    chunk is authenticated before it is given out. TamperedValue at the first chunk that fails
    (or when the file ends before its last chunk)."""
    key = _key_for(header, keyring, purpose)
    associated = _associated(header, purpose)
    stored_size = header.chunk_size + TAG_SIZE
    block = handle.read(stored_size)
    index = 0
    while True:
        following = handle.read(stored_size) if len(block) == stored_size else b""
        last = not following
        if len(block) < TAG_SIZE:
            raise TamperedValue(f"{purpose}: the encrypted file is cut short")
        body, tag = block[:-TAG_SIZE], block[-TAG_SIZE:]
        decryptor = Cipher(
            algorithms.SM4(key), modes.GCM(_nonce(header, index, last), tag)
        ).decryptor()
        decryptor.authenticate_additional_data(associated)
        try:
            plain = decryptor.update(body) + decryptor.finalize()
        except InvalidTag:
            raise TamperedValue(
                f"{purpose}: the encrypted file fails its check under data key "
                f"{header.key_id!r}: it was changed, cut short, or copied from another file"
            ) from None
        yield plain
        if last:
            return
        block, index = following, index + 1


def plaintext_chunks(handle: BinaryIO, keyring: Keyring, purpose: str) -> Iterator[bytes]:
    """The plaintext of a file that is encrypted or (from before encryption) not, in chunks."""
    header = read_header(handle, purpose)
    if header is not None:
        yield from open_chunks(handle, header, keyring, purpose)
        return
    while chunk := handle.read(CHUNK_SIZE):
        yield chunk


class ChunkReader(io.RawIOBase):
    """A readable binary file over an iterator of byte chunks (e.g. `plaintext_chunks`), so the
    plaintext can be streamed to wherever a file object goes. Closing it closes `source`, the
    file the chunks are read from."""

    def __init__(self, chunks: Iterator[bytes], source: BinaryIO | None = None) -> None:
        self._chunks = chunks
        self._source = source
        self._pending = memoryview(b"")

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def write_sealed(
    path: Path,
    source: BinaryIO,
    keyring: Keyring,
    purpose: str,
    *,
    expect_sha256: str | None = None,
) -> Sealed:
    """Write `source` encrypted to `path`, crash-safe: into `<path>.part`, flushed to disk, then
    renamed over `path` (a crash leaves the old file, or none, never half of one). With
    `expect_sha256`, a plaintext with another SHA-256 is not written (TamperedValue)."""
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as target:
            sealed = seal_stream(source, target, keyring, purpose)
            target.flush()
            os.fsync(target.fileno())
        if expect_sha256 is not None and sealed.sha256 != expect_sha256:
            raise TamperedValue(f"{purpose}: the file's SHA-256 is not the one recorded for it")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return sealed
