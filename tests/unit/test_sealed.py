"""Sealed objects (gzip inside, AES-256-GCM chunks outside): round trips of every size around the chunk boundary,
every way of damaging an object caught, keys and their rotation, and SealedStore over a folder.

Data is pseudo-random (incompressible, so compressed size ≈ plain size) from fixed seeds, so a failure reproduces.
`read_by_the_spec` decrypts an object following only the format in sealed.py's docstring, so the format stays
what it documents (and the payload stays a gzip stream `gunzip` reads)."""
import gzip
import hashlib
import io
import json
import os
import random
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.adapters import sealed
from shared.adapters.blobs import DirBlobs
from shared.adapters.sealed import (BATCH_BYTES, CHUNK_BYTES, HEADER, TAG_BYTES, Key, Keys, SealedStore, SealedWriter,
                                    open_sealed)
from shared.errors import BackupDamaged

SECRET = "correct horse battery staple, thirty-two+ chars"
OLD_SECRET = "the key we used last year, also long enough!!"
KEYS = Keys(SECRET)
LEN = 4  # a chunk's length prefix


def noise(n: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


def seal(plain: bytes, keys: Keys = KEYS, pieces: int = 0) -> tuple[bytes, SealedWriter]:
    """The sealed bytes of plain, written in one call, or in pieces of `pieces` bytes."""
    out = io.BytesIO()
    writer = SealedWriter(out, keys.current)
    step = pieces or max(len(plain), 1)
    for i in range(0, len(plain), step):
        writer.write(plain[i:i + step])
    writer.close()
    return out.getvalue(), writer


def unseal(blob: bytes, keys: Keys = KEYS) -> bytes:
    return b"".join(open_sealed(io.BytesIO(blob), keys))


def chunks(blob: bytes) -> list[tuple[int, int]]:
    """(start of the length prefix, end of the chunk) of each chunk, read from the length prefixes."""
    spans, pos = [], HEADER.size
    while pos < len(blob):
        (size,) = struct.unpack(">I", blob[pos:pos + LEN])
        spans.append((pos, pos + LEN + size))
        pos += LEN + size
    assert pos == len(blob)
    return spans


def compressed_sizes(blob: bytes) -> list[int]:
    return [end - start - LEN - TAG_BYTES for start, end in chunks(blob)]


def read_by_the_spec(blob: bytes, key: Key) -> bytes:
    """The object's payload, decrypted as the format's description says (not through sealed.py)."""
    header = blob[:36]
    magic, version, key_id, salt, prefix = struct.unpack(">4sB8s16s7s", header)
    assert (magic, version, key_id.hex()) == (b"TMBK", 1, key.id)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"tumbuh sealed object v1").derive(key.master)
    aead, spans = AESGCM(derived), chunks(blob)
    payload = b""
    for number, (start, end) in enumerate(spans):
        nonce = prefix + struct.pack(">IB", number, number == len(spans) - 1)
        payload += aead.decrypt(nonce, blob[start + LEN:end], header)
    return payload


def damaged(blob: bytes, keys: Keys = KEYS) -> str:
    """The BackupDamaged message opening blob gives (the test fails when it opens)."""
    with pytest.raises(BackupDamaged) as caught:
        unseal(blob, keys)
    return str(caught.value)


def plain_size_for(compressed: int) -> int:
    """How many bytes of noise() compress to exactly `compressed` bytes (found by measuring the writer)."""
    n = compressed
    for _ in range(12):
        got = sum(compressed_sizes(seal(noise(n))[0]))
        if got == compressed:
            return n
        n += compressed - got
    raise AssertionError(f"no plain size compresses to {compressed} bytes")


@pytest.fixture(scope="module")
def three_chunks() -> tuple[bytes, bytes]:
    """(plain, sealed) of an object of three chunks at the real CHUNK_BYTES: two full ones and a half."""
    plain = noise(CHUNK_BYTES * 5 // 2, seed=3)
    blob = seal(plain)[0]
    assert len(chunks(blob)) == 3
    return plain, blob


@pytest.fixture
def small_chunks(monkeypatch) -> tuple[bytes, bytes]:
    """(plain, sealed) of an object of five chunks of at most 64 compressed bytes (CHUNK_BYTES made small for the
    test, for writer and reader alike), small enough to damage at every byte."""
    monkeypatch.setattr(sealed, "CHUNK_BYTES", 64)
    plain = noise(260, seed=4)
    blob = seal(plain)[0]
    assert len(chunks(blob)) == 5 and max(compressed_sizes(blob)) == 64
    return plain, blob


# --- round trips ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 2, 100, BATCH_BYTES - 1, BATCH_BYTES, BATCH_BYTES + 1, 3 * CHUNK_BYTES + 12345])
def test_round_trip(size):
    plain = noise(size, seed=size)
    blob, writer = seal(plain)
    assert unseal(blob) == plain
    assert gzip.decompress(read_by_the_spec(blob, KEYS.current)) == plain
    sizes = compressed_sizes(blob)
    assert all(s == CHUNK_BYTES for s in sizes[:-1]) and 0 < sizes[-1] <= CHUNK_BYTES
    assert (writer.size, writer.plain_bytes, writer.closed) == (len(blob), size, True)
    assert writer.sha256 == hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize("compressed, layout", [
    (CHUNK_BYTES - 1, [CHUNK_BYTES - 1]),
    (CHUNK_BYTES, [CHUNK_BYTES]),
    (CHUNK_BYTES + 1, [CHUNK_BYTES, 1]),
    (2 * CHUNK_BYTES, [CHUNK_BYTES, CHUNK_BYTES]),
], ids=["chunk-1", "chunk", "chunk+1", "two-chunks"])
def test_round_trip_at_the_chunk_boundary_of_the_compressed_stream(compressed, layout):
    plain = noise(plain_size_for(compressed))
    for pieces in (0, 65536, 1000):  # one write, COPY-sized writes, writes not aligned to anything
        blob = seal(plain, pieces=pieces)[0]
        if pieces == 0:
            assert compressed_sizes(blob) == layout
        assert unseal(blob) == plain, pieces
        assert gzip.decompress(read_by_the_spec(blob, KEYS.current)) == plain


def copy_rows(count: int) -> list[bytes]:
    rng = random.Random(5)
    return [b"%d\t%s\t2026-11-%02d\t%s\\N\n" % (i, rng.randbytes(rng.randrange(4, 40)).hex().encode(), 1 + i % 28,
                                                 b"\\t" * (i % 3)) for i in range(count)]


def test_one_row_per_write_gives_what_one_big_write_gives():
    rows = copy_rows(60_000)
    whole = b"".join(rows)
    assert len(whole) > 2 * BATCH_BYTES
    by_row, big = io.BytesIO(), io.BytesIO()
    row_writer, big_writer = SealedWriter(by_row, KEYS.current), SealedWriter(big, KEYS.current)
    for i, row in enumerate(rows):
        assert row_writer.write(row if i % 3 else memoryview(row) if i % 2 else bytearray(row)) == len(row)
    big_writer.write(whole)
    row_writer.close()
    big_writer.close()
    assert unseal(by_row.getvalue()) == unseal(big.getvalue()) == whole
    assert len(chunks(by_row.getvalue())) >= 2  # several chunks even so (the rows' hex does not compress away)
    for writer in (row_writer, big_writer):
        assert (writer.lines, writer.plain_bytes) == (60_000, len(whole))


def test_counts_lines_and_plain_bytes_across_batches():
    out = io.BytesIO()
    writer = SealedWriter(out, KEYS.current)
    writer.write(b"a\nb\n")
    writer.write(b"no newline yet")
    writer.write(b"\n" * BATCH_BYTES)
    writer.write(b"last row without its newline")
    writer.close()
    assert writer.lines == 2 + BATCH_BYTES
    assert writer.plain_bytes == 4 + 14 + BATCH_BYTES + 28
    small = seal(b"1\tx\n2\ty\n")[1]
    assert (small.lines, small.plain_bytes) == (2, 8)
    empty = SealedWriter(io.BytesIO(), KEYS.current)
    empty.close()
    assert (empty.lines, empty.plain_bytes) == (0, 0)


def test_a_closed_writer_takes_nothing_more_and_closes_once():
    out = io.BytesIO()
    writer = SealedWriter(out, KEYS.current)
    writer.write(b"row\n")
    writer.close()
    size = len(out.getvalue())
    writer.close()
    assert len(out.getvalue()) == size == writer.size
    with pytest.raises(ValueError):
        writer.write(b"more\n")
    assert unseal(out.getvalue()) == b"row\n"


def test_an_unclosed_writers_output_never_opens():
    out = io.BytesIO()
    writer = SealedWriter(out, KEYS.current)
    writer.write(noise(3 * CHUNK_BYTES, seed=6))
    assert len(chunks(out.getvalue())) >= 2  # full chunks are out, but none is the last
    assert "cut short" in damaged(out.getvalue())


def test_the_sha256_seen_while_reading_is_the_writers():
    blob, writer = seal(noise(CHUNK_BYTES + 5000, seed=7))
    digest, pieces = hashlib.sha256(), []
    plain = b"".join(open_sealed(io.BytesIO(blob), KEYS, lambda data: (digest.update(data), pieces.append(data))))
    assert plain == noise(CHUNK_BYTES + 5000, seed=7)
    assert digest.hexdigest() == writer.sha256 == hashlib.sha256(blob).hexdigest()
    assert b"".join(pieces) == blob


def test_the_same_plain_text_seals_differently_each_time():
    first, second = seal(b"1\tsame row\n")[0], seal(b"1\tsame row\n")[0]
    assert first[:13] == second[:13]  # magic, version, key id
    assert first[13:29] != second[13:29] and first[29:36] != second[29:36]  # salt, nonce prefix
    assert first[36:] != second[36:]
    assert unseal(first) == unseal(second) == b"1\tsame row\n"


# --- damage ---------------------------------------------------------------------------------------------------------

def boundaries(blob: bytes) -> list[int]:
    """Cut points around every structure: the header's end, each length prefix, each chunk's end and its tag."""
    points = {0, 1, 4, 5, 13, 29, HEADER.size - 1, HEADER.size}
    for start, end in chunks(blob):
        points |= {start, start + 1, start + LEN - 1, start + LEN, start + LEN + 1, (start + end) // 2,
                   end - TAG_BYTES - 1, end - TAG_BYTES, end - TAG_BYTES + 1, end - 1, end, end + 1}
    return sorted(p for p in points if p < len(blob))


def test_every_cut_is_caught(three_chunks):
    plain, blob = three_chunks
    assert unseal(blob) == plain
    points = boundaries(blob)
    assert len(points) > 35
    for cut in points:
        message = damaged(blob[:cut])
        assert "cut short" in message, (cut, message)


def test_every_cut_of_a_small_chunked_object_is_caught(small_chunks):
    plain, blob = small_chunks
    assert unseal(blob) == plain
    for cut in range(len(blob)):
        assert "cut short" in damaged(blob[:cut]), cut


def flip(blob: bytes, at: int, bit: int = 0) -> bytes:
    changed = bytearray(blob)
    changed[at] ^= 1 << bit
    return bytes(changed)


def test_a_flipped_bit_anywhere_is_caught(three_chunks):
    _plain, blob = three_chunks
    spans = chunks(blob)
    places = {"magic": 0, "version": 4, "key id": 5, "salt": 20, "nonce prefix": 35}
    for number, (start, end) in enumerate(spans):
        places |= {f"chunk {number} length, high byte": start, f"chunk {number} length, low byte": start + 3,
                   f"chunk {number} ciphertext start": start + LEN, f"chunk {number} ciphertext": (start + end) // 2,
                   f"chunk {number} tag start": end - TAG_BYTES, f"chunk {number} tag end": end - 1}
    for where, at in places.items():
        for bit in (0, 7):
            damaged(flip(blob, at, bit))  # raises, whatever the message
    assert "magic" in damaged(flip(blob, 0))
    assert "version" in damaged(flip(blob, 4))
    assert "not configured" in damaged(flip(blob, 5))
    assert "claims" in damaged(flip(blob, HEADER.size, 7))
    assert "chunk 2 fails its check" in damaged(flip(blob, spans[2][1] - 1))


def test_a_flipped_bit_in_every_byte_of_a_small_chunked_object_is_caught(small_chunks):
    _plain, blob = small_chunks
    for at in range(len(blob)):
        damaged(flip(blob, at, at % 8))


def test_swapped_dropped_or_repeated_chunks_are_caught(three_chunks):
    _plain, blob = three_chunks
    header = blob[:HEADER.size]
    c0, c1, c2 = (blob[start:end] for start, end in chunks(blob))
    assert "chunk 0 fails its check" in damaged(header + c1 + c0 + c2)
    assert "chunk 1 fails its check" in damaged(header + c0 + c2 + c1)
    assert "chunk 1 fails its check" in damaged(header + c0 + c2)
    assert "chunk 1 fails its check" in damaged(header + c0 + c0 + c1 + c2)
    assert "chunk 0 fails its check" in damaged(header + c2)


def test_chunks_from_another_object_under_the_same_key_are_caught(small_chunks):
    plain, blob = small_chunks
    other = seal(plain)[0]  # the same plain text: the same chunk lengths, another salt and nonce prefix
    ours, theirs = chunks(blob), chunks(other)
    assert [e - s for s, e in ours] == [e - s for s, e in theirs]
    start, end = ours[1]
    assert "chunk 1 fails its check" in damaged(blob[:start] + other[start:end] + blob[end:])
    assert "chunk 0 fails its check" in damaged(other[:HEADER.size] + blob[HEADER.size:])


@pytest.mark.parametrize("extra", [b"\0", b"\0\0\0\x10" + b"x" * 16, None], ids=["a-byte", "a-chunk", "an-object"])
def test_data_after_the_last_chunk_is_refused(three_chunks, extra):
    _plain, blob = three_chunks
    extra = extra if extra is not None else seal(b"another\n")[0]
    assert "data follows the last chunk" in damaged(blob + extra)


def test_what_is_not_a_sealed_object_is_refused():
    assert "magic" in damaged(b"PK\x03\x04" + bytes(60))
    assert "magic" in damaged(gzip.compress(noise(100)))
    blob = seal(b"x")[0]
    assert "version 2" in damaged(blob[:4] + b"\x02" + blob[5:])


# --- keys -----------------------------------------------------------------------------------------------------------

def test_another_key_is_named_with_what_to_do():
    blob = seal(b"1\tx\n", Keys(OLD_SECRET))[0]
    message = damaged(blob, KEYS)
    old_id = Key.from_secret(OLD_SECRET).id
    assert old_id in message and KEYS.current.id in message and "BACKUP_PREVIOUS_KEYS" in message


def test_after_a_rotation_old_objects_open_with_the_previous_key_and_new_ones_use_the_new():
    old_blob = seal(b"1\tsealed last year\n", Keys(OLD_SECRET))[0]
    rotated = Keys(SECRET, (OLD_SECRET,))
    assert unseal(old_blob, rotated) == b"1\tsealed last year\n"
    assert rotated.current.id == KEYS.current.id
    assert rotated.ids == sorted([KEYS.current.id, Key.from_secret(OLD_SECRET).id])
    new_blob = seal(b"1\tnew\n", rotated)[0]
    assert new_blob[5:13].hex() == KEYS.current.id
    assert unseal(new_blob, KEYS) == b"1\tnew\n"
    assert "not configured" in damaged(new_blob, Keys(OLD_SECRET))


def test_a_key_is_the_same_from_the_same_secret_and_never_shows_its_material():
    key, again, other = Key.from_secret(SECRET), Key.from_secret(SECRET), Key.from_secret(OLD_SECRET)
    assert key == again and key.id != other.id and key.master != other.master
    assert len(key.id) == 16 and int(key.id, 16) >= 0 and len(key.master) == 32
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr(KEYS.current)):
        assert key.id in shown or KEYS.current.id in shown
        for secret in (key.master, KEYS.current.master):
            assert secret.hex() not in shown and repr(secret) not in shown and str(list(secret)) not in shown
        assert SECRET not in shown
    assert key.mac(b"x") == again.mac(b"x") != other.mac(b"x")
    assert key.master.hex() not in key.mac(b"x")


# --- SealedStore over a folder --------------------------------------------------------------------------------------

NAME = "2026-11-27/20261126T190001Z-3f9a1c/tables/children.copy.gz.tmbk"
MANIFEST = "2026-11-27/manifest.json"


@pytest.fixture
def store(tmp_path) -> SealedStore:
    return SealedStore(DirBlobs(tmp_path), KEYS)


def every_file(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files)


def read(store: SealedStore, name: str, sha256: str | None = None) -> bytes:
    return b"".join(store.open(name, sha256))


def test_store_write_then_open(store, tmp_path):
    rows = copy_rows(2000)
    written = store.write(NAME, lambda sink: [sink.write(row) for row in rows])
    on_disk = (tmp_path / NAME).read_bytes()
    assert written.name == NAME and written.size == len(on_disk)
    assert written.sha256 == hashlib.sha256(on_disk).hexdigest()
    assert (written.plain_bytes, written.lines) == (sum(map(len, rows)), 2000)
    assert read(store, NAME, written.sha256) == read(store, NAME) == b"".join(rows)
    assert store.names() == [NAME] == every_file(tmp_path)
    assert (store.key_id, store.where) == (KEYS.current.id, str(tmp_path))


def test_store_open_checks_the_sha256_the_manifest_names(store):
    store.write(NAME, lambda sink: sink.write(b"1\tx\n"))
    with pytest.raises(BackupDamaged, match="sha256") as caught:
        read(store, NAME, "0" * 64)
    assert NAME in str(caught.value)


def test_store_open_of_a_missing_or_damaged_object(store, tmp_path):
    with pytest.raises(BackupDamaged, match="missing") as caught:
        read(store, NAME)
    assert NAME in str(caught.value) and str(tmp_path) in str(caught.value)
    store.write(NAME, lambda sink: sink.write(b"1\tx\n"))
    path = tmp_path / NAME
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(BackupDamaged, match="cut short") as caught:
        read(store, NAME)
    assert str(caught.value).startswith(NAME)


def test_nothing_stays_under_the_name_when_produce_fails(store, tmp_path):
    def produce(sink):
        assert NAME not in store.names()
        sink.write(noise(2 * CHUNK_BYTES + 10, seed=8))  # two chunks already out to the file
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        store.write(NAME, produce)
    assert store.names() == []
    assert every_file(tmp_path) == []  # no hidden .part file either
    store.write(NAME, lambda sink: sink.write(b"1\tx\n"))  # and the name is free
    assert read(store, NAME) == b"1\tx\n"


def a_manifest() -> dict:
    return {"format": "tumbuh-backup/1", "date": "2026-11-27", "run": "20261126T190001Z-3f9a1c",
            "tables": [{"name": "children", "object": NAME, "sha256": "a" * 64, "rows": 2, "columns": ["id"]}]}


def test_a_manifest_is_written_once(store):
    assert store.get_manifest(MANIFEST) is None
    assert store.put_manifest(MANIFEST, a_manifest()) is True
    assert store.put_manifest(MANIFEST, dict(a_manifest(), run="20261126T200000Z-000000")) is False
    assert store.get_manifest(MANIFEST) == dict(a_manifest(), key_id=KEYS.current.id)


def edit_manifest(tmp_path, change) -> None:
    path = tmp_path / MANIFEST
    body = json.loads(path.read_bytes())
    change(body)
    path.write_text(json.dumps(body))


def test_a_manifest_changed_on_disk_is_refused(store, tmp_path):
    store.put_manifest(MANIFEST, a_manifest())
    edit_manifest(tmp_path, lambda body: body["tables"][0].update(rows=3))
    with pytest.raises(BackupDamaged, match="changed after it was written") as caught:
        store.get_manifest(MANIFEST)
    assert MANIFEST in str(caught.value)


@pytest.mark.parametrize("mac", ["0" * 64, "", None, 7, ["x"], "é" * 64],
                         ids=["zeros", "empty", "null", "number", "list", "non-ascii"])
def test_a_manifest_whose_seal_was_replaced_is_refused(store, tmp_path, mac):
    store.put_manifest(MANIFEST, a_manifest())
    edit_manifest(tmp_path, lambda body: body.update(mac=mac))
    with pytest.raises(BackupDamaged, match="changed after it was written"):
        store.get_manifest(MANIFEST)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b'{"key_id": "x"}', b'{"mac": "x"}',
                                 b'{"mac": "x", "key_id": ["x"]}', b"\xff\xfe{}"],
                         ids=["empty", "text", "list", "string", "no-mac", "no-key", "key-id-list", "bytes"])
def test_an_unreadable_manifest_is_refused(store, tmp_path, raw):
    (tmp_path / "2026-11-27").mkdir()
    (tmp_path / MANIFEST).write_bytes(raw)
    with pytest.raises(BackupDamaged):
        store.get_manifest(MANIFEST)


def test_a_manifest_needs_the_key_it_was_sealed_with(tmp_path):
    SealedStore(DirBlobs(tmp_path), Keys(OLD_SECRET)).put_manifest(MANIFEST, a_manifest())
    with pytest.raises(BackupDamaged, match="BACKUP_PREVIOUS_KEYS"):
        SealedStore(DirBlobs(tmp_path), KEYS).get_manifest(MANIFEST)
    rotated = SealedStore(DirBlobs(tmp_path), Keys(SECRET, (OLD_SECRET,)))
    assert rotated.get_manifest(MANIFEST) == dict(a_manifest(), key_id=Key.from_secret(OLD_SECRET).id)


# --- Background: the worker thread between the producer and the sealed writer ---------------------------------

class _Collect:
    def __init__(self, fail_after: int | None = None):
        self.got = bytearray()
        self.calls = 0
        self.fail_after = fail_after

    def write(self, data: bytes) -> int:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise OSError("upload failed")
        self.got += data
        return len(data)


def _workers() -> int:
    import threading

    return sum(t.name == "sealed-writer" for t in threading.enumerate())


def test_background_passes_every_byte_in_order():
    from shared.adapters.sealed import Background

    inner = _Collect()
    rows = [f"{i}\trow {i}\n".encode() for i in range(100_000)]
    with Background(inner) as sink:
        for row in rows:
            sink.write(row)

    assert bytes(inner.got) == b"".join(rows) and inner.calls > 1 and _workers() == 0


def test_background_raises_the_workers_failure_and_stops():
    """An upload that fails in the worker reaches the producer (at a later write or at the end), never hangs."""
    from shared.adapters.sealed import Background

    with pytest.raises(OSError, match="upload failed"):
        with Background(_Collect(fail_after=1)) as sink:
            for i in range(200_000):
                sink.write(b"x" * 100 + b"\n")

    assert _workers() == 0


def test_background_lets_the_producers_failure_pass_and_stops():
    from shared.adapters.sealed import Background

    with pytest.raises(KeyError):
        with Background(_Collect()) as sink:
            sink.write(b"half a row")
            raise KeyError("COPY broke")

    assert _workers() == 0
