"""Sealed objects: gzip-compressed, then encrypted with AES-256-GCM in chunks, streamed both ways.

The format (version 1) follows the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), as Tink's
streaming AEAD does, so that an object of any size is written and read in constant memory, and any change is
caught: a flipped bit, chunks swapped or dropped, a truncated end, another key.

    header  = MAGIC (4) | version (1) | key id (8) | salt (16) | nonce prefix (7)          36 bytes
    chunk   = length of the ciphertext (4, big endian) | AES-256-GCM ciphertext with its 16-byte tag
    key     = HKDF-SHA256(master key, salt, "tumbuh sealed object v1")      (a fresh key for every object)
    nonce   = nonce prefix (7) | chunk number (4, big endian) | 1 on the last chunk, else 0 (1)
    aad     = the header

Only the last chunk carries the final flag, so an object cut anywhere (even between chunks) fails to open, and
data after the last chunk is refused. The master key comes from the BACKUP_KEY secret (`Keys`); its id is
recorded in every object and in the manifest, so an old backup names the key it needs after a rotation.

Decrypted and decompressed, an object is exactly what was written: for a table, PostgreSQL's COPY text format.
`python -m shared.backup open` (see shared/backup) turns one back into a plain file for an operator.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import struct
import threading
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.adapters.blobs import BlobMissing, Blobs
from shared.errors import BackupDamaged
from shared.ports import Sink, Written

MAGIC = b"TMBK"
VERSION = 1
KEY_ID_BYTES = 8
SALT_BYTES = 16
PREFIX_BYTES = 7
HEADER = struct.Struct(f">4sB{KEY_ID_BYTES}s{SALT_BYTES}s{PREFIX_BYTES}s")
LENGTH = struct.Struct(">I")
TAG_BYTES = 16
CHUNK_BYTES = 1 << 20  # compressed bytes per encrypted chunk: 1 MiB keeps memory small and overhead at 20 ppm
MAX_CHUNKS = 1 << 32  # the chunk counter's range: 4 PiB per object
BATCH_BYTES = 1 << 18  # plain bytes gathered before each call into zlib
PLAIN_PIECE_BYTES = 1 << 20  # the most plain bytes open_sealed yields at once, whatever the compression ratio
GZIP_LEVEL = 1  # zlib's fastest: a COPY stream still shrinks 4-6x, at several times the speed of the default 6
_OBJECT_INFO = b"tumbuh sealed object v1"


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


@dataclass(frozen=True)
class Key:
    """One master key, made from a BACKUP_KEY secret (any string of at least 32 characters)."""

    id: str  # 16 hex characters, safe to log and to print: it reveals nothing about the key
    master: bytes

    @classmethod
    def from_secret(cls, secret: str) -> "Key":
        master = _hkdf(secret.encode("utf-8"), b"tumbuh backup master key")
        key_id = hmac.new(master, b"tumbuh backup key id", hashlib.sha256).digest()[:KEY_ID_BYTES]
        return cls(key_id.hex(), master)

    def mac(self, data: bytes) -> str:
        """An HMAC-SHA256 of data under a key derived from this one (the manifest's seal)."""
        return hmac.new(_hkdf(self.master, b"tumbuh backup manifest mac"), data, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print the key material
        return f"Key(id={self.id!r})"


class Keys:
    """The key new objects are sealed with, and every key old objects may need (after a rotation)."""

    def __init__(self, current: str, previous: tuple[str, ...] = ()):
        self.current = Key.from_secret(current)
        self._by_id = {k.id: k for k in [Key.from_secret(s) for s in previous] + [self.current]}

    def get(self, key_id: str) -> Key:
        """The key with this id; BackupDamaged naming the ids held when it is not configured."""
        key = self._by_id.get(key_id)
        if key is None:
            raise BackupDamaged(f"sealed with key {key_id}, which is not configured (this instance holds "
                            f"{', '.join(sorted(self._by_id))}): set BACKUP_KEY, or add the old key to "
                            "BACKUP_PREVIOUS_KEYS")
        return key

    @property
    def ids(self) -> list[str]:
        return sorted(self._by_id)


class SealedWriter:
    """A binary sink: compresses and seals what is written, and passes the sealed bytes to `out` as they are
    made. close() writes the last chunk; an unclosed writer's output can never be opened. Counts what it saw:
    `plain_bytes`, `lines` (rows of a COPY text stream), the sealed `size` and its `sha256`."""

    def __init__(self, out: BinaryIO, key: Key):
        self._out = out
        salt, prefix = os.urandom(SALT_BYTES), os.urandom(PREFIX_BYTES)
        self._header = HEADER.pack(MAGIC, VERSION, bytes.fromhex(key.id), salt, prefix)
        self._aead = AESGCM(_hkdf(key.master, _OBJECT_INFO, salt))
        self._prefix = prefix
        self._zip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: a gzip stream, `gunzip` reads it
        self._plain = bytearray()
        self._pending = bytearray()
        self._chunk = 0
        self._hash = hashlib.sha256()
        self.size = 0
        self.plain_bytes = 0
        self.lines = 0
        self.closed = False
        self._emit(self._header)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._hash.update(data)
        self.size += len(data)

    def _seal(self, plain: bytes, final: bool) -> None:
        if self._chunk >= MAX_CHUNKS:
            raise BackupDamaged("object too large for one sealed stream")
        nonce = self._prefix + struct.pack(">IB", self._chunk, 1 if final else 0)
        sealed = self._aead.encrypt(nonce, plain, self._header)
        self._emit(LENGTH.pack(len(sealed)) + sealed)
        self._chunk += 1

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take bytes (COPY hands over one row per call: they are gathered, then compressed in batches)."""
        if self.closed:
            raise ValueError("write to a closed sealed writer")
        self._plain += data
        if len(self._plain) >= BATCH_BYTES:
            self._compress()
        return len(data)

    def _compress(self) -> None:
        self.plain_bytes += len(self._plain)
        self.lines += self._plain.count(b"\n")
        self._pending += self._zip.compress(self._plain)
        self._plain.clear()
        while len(self._pending) >= CHUNK_BYTES:
            self._seal(bytes(self._pending[:CHUNK_BYTES]), final=False)
            del self._pending[:CHUNK_BYTES]

    def close(self) -> None:
        """Seal what is left as the final chunk (an empty one when nothing is left)."""
        if self.closed:
            return
        self._compress()
        self._pending += self._zip.flush()
        while len(self._pending) > CHUNK_BYTES:
            self._seal(bytes(self._pending[:CHUNK_BYTES]), final=False)
            del self._pending[:CHUNK_BYTES]
        self._seal(bytes(self._pending), final=True)
        self._pending.clear()
        self.closed = True

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class Background:
    """A sink that gathers what is written into batches and hands them to a worker thread, which writes them into
    `inner`: the producer (pg8000 reading COPY's messages, Python-bound) keeps reading while zlib compresses and the
    upload sends (both release the GIL). At most `depth` batches wait, so memory stays bounded. Used as a context:
    on a clean exit the rest is handed over and the worker's own failure, if any, is raised; on an exception the
    worker is stopped and the exception passes."""

    def __init__(self, inner: Sink, depth: int = 4):
        self._inner = inner
        self._batch = bytearray()
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="sealed-writer", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> int:
        self._batch += data
        if len(self._batch) >= BATCH_BYTES:
            self._hand()
        return len(data)

    def _hand(self) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(bytes(self._batch))
        self._batch.clear()

    def _drain(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:  # after a failure, only empty the queue so the producer never blocks
                try:
                    self._inner.write(batch)
                except BaseException as exc:
                    self._error = exc

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None and self._batch:
                self._hand()
        finally:
            self._queue.put(None)
            self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error


def _read_exactly(src: BinaryIO, n: int) -> bytes:
    parts, need = [], n
    while need:
        got = src.read(need)
        if not got:
            break
        parts.append(got)
        need -= len(got)
    return b"".join(parts)


def open_sealed(src: BinaryIO, keys: Keys, seen: Callable[[bytes], object] | None = None) -> Iterator[bytes]:
    """Yield the plain (decompressed) bytes of a sealed object read from `src`, chunk by chunk, checking every
    chunk as it comes; BackupDamaged as soon as something is wrong (the caller must not trust what it got so far).
    `seen`, when given, is called with every sealed byte read (a sha256's update, to check the manifest's)."""
    def take(n: int) -> bytes:
        data = _read_exactly(src, n)
        if seen is not None:
            seen(data)
        return data

    header = take(HEADER.size)
    if len(header) < HEADER.size:
        raise BackupDamaged("cut short: the object ends inside its header")
    magic, version, key_id, salt, prefix = HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupDamaged("not a Tumbuh backup object (wrong magic bytes)")
    if version != VERSION:
        raise BackupDamaged(f"sealed in format version {version}; this Tumbuh reads version {VERSION}")
    aead = AESGCM(_hkdf(keys.get(key_id.hex()).master, _OBJECT_INFO, salt))
    unzip = zlib.decompressobj(31)
    chunk = 0
    while True:
        length = take(LENGTH.size)
        if not length:
            raise BackupDamaged("cut short: the object ends before its last chunk")
        if len(length) < LENGTH.size:
            raise BackupDamaged("cut short: the object ends inside a chunk's length")
        (size,) = LENGTH.unpack(length)
        if not TAG_BYTES <= size <= CHUNK_BYTES + TAG_BYTES:
            raise BackupDamaged(f"damaged: chunk {chunk} claims {size} bytes")
        sealed = take(size)
        if len(sealed) < size:
            raise BackupDamaged(f"cut short: the object ends inside chunk {chunk}")
        plain, final = None, False
        for flag in (0, 1):
            try:
                plain = aead.decrypt(prefix + struct.pack(">IB", chunk, flag), sealed, header)
                final = flag == 1
                break
            except InvalidTag:
                continue
        if plain is None:
            raise BackupDamaged(f"damaged or sealed with another key: chunk {chunk} fails its check")
        # At most PLAIN_PIECE_BYTES at a time: a chunk of very repetitive data can inflate a thousandfold.
        while plain:
            out = unzip.decompress(plain, PLAIN_PIECE_BYTES)
            plain = unzip.unconsumed_tail
            if out:
                yield out
        chunk += 1
        if final:
            break
    if take(1):
        raise BackupDamaged("damaged: data follows the last chunk")
    rest = unzip.flush()
    if rest:
        yield rest
    if not unzip.eof:
        raise BackupDamaged("damaged: the compressed stream is incomplete")


class SealedStore:
    """The BackupStore port: sealed objects and MAC-sealed manifests over raw Blobs (a folder or Cloud Storage)."""

    def __init__(self, blobs: Blobs, keys: Keys):
        self.blobs = blobs
        self.keys = keys
        self.where = blobs.where
        self.key_id = keys.current.id

    def write(self, name: str, produce: Callable[[Sink], object]) -> Written:
        with self.blobs.writer(name) as out:
            sealed = SealedWriter(out, self.keys.current)
            with Background(sealed) as sink:  # compression, sealing and upload overlap the producer's reading
                produce(sink)
            sealed.close()
        return Written(name, sealed.size, sealed.sha256, sealed.plain_bytes, sealed.lines)

    def open(self, name: str, sha256: str | None = None) -> Iterator[bytes]:
        digest = hashlib.sha256()
        try:
            with self.blobs.reader(name) as src:
                yield from open_sealed(src, self.keys, digest.update)
        except BlobMissing:
            raise BackupDamaged(f"{name} is missing from {self.where}") from None
        except BackupDamaged as exc:
            raise BackupDamaged(f"{name}: {exc}") from None
        if sha256 is not None and digest.hexdigest() != sha256:
            raise BackupDamaged(f"{name} is not the object its manifest names (sha256 differs)")

    def put_manifest(self, name: str, manifest: dict) -> bool:
        body = dict(manifest, key_id=self.keys.current.id)
        body["mac"] = self.keys.current.mac(_canonical(body))
        return self.blobs.create_once(name, json.dumps(body, indent=1, sort_keys=True).encode())

    def get_manifest(self, name: str) -> dict | None:
        try:
            with self.blobs.reader(name) as src:
                raw = src.read(MANIFEST_MAX_BYTES + 1)
        except BlobMissing:
            return None
        try:
            if len(raw) > MANIFEST_MAX_BYTES:
                raise ValueError("too large")
            body = json.loads(raw)
            mac = body.pop("mac")
            key_id = body["key_id"]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupDamaged(f"{name} is not a readable manifest") from None
        expected = self.keys.get(str(key_id)).mac(_canonical(body))
        if not hmac.compare_digest(str(mac).encode(), expected.encode()):  # bytes: a forged mac may not be ASCII
            raise BackupDamaged(f"{name} was changed after it was written (its seal does not match)")
        return body

    def names(self, prefix: str = "") -> list[str]:
        return self.blobs.names(prefix)

    def delete(self, name: str) -> None:
        self.blobs.delete(name)


MANIFEST_MAX_BYTES = 4 << 20


def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
