"""One contract for the backup's raw object stores, run against a folder (DirBlobs) and Cloud Storage through the
official client (GcsBlobs) pointed at gcp-storage-emulator on loopback; then SealedStore over each. No PostgreSQL."""
import gc
import hashlib
import random
from datetime import date
from typing import Callable

import pytest

from shared.adapters.blobs import BlobMissing, Blobs, DirBlobs
from shared.adapters.gcs import CHUNK_BYTES as GCS_CHUNK_BYTES
from shared.adapters.gcs import GcsBlobs
from shared.adapters.sealed import Keys, SealedStore
from shared.domain.backups import FORMAT, manifest_name, manifest_problems, table_object
from shared.errors import BackupDamaged, PermanentError

WRITE = 64 << 10
BIG = 20 << 20
NAME = "2026-11-27/20261126T190001Z-3f9a1c/tables/children.copy.gz.tmbk"


@pytest.fixture(params=[pytest.param("dir", id="dir"), pytest.param("gcs", id="gcs")])
def new_blobs(request, tmp_path) -> Callable[[], Blobs]:
    """Makes a fresh handle on this test's store (the same objects each time): a folder, or a prefix of the
    emulator's bucket (the emulator starts only for the gcs tests)."""
    if request.param == "dir":
        return lambda: DirBlobs(tmp_path / "backups")
    bucket_url, api_url = request.getfixturevalue("gcs_bucket")
    return lambda: GcsBlobs(bucket_url, api_url=api_url)


@pytest.fixture
def blobs(new_blobs) -> Blobs:
    return new_blobs()


def stream(seed: int, total: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(min(WRITE, total - i)) for i in range(0, total, WRITE)]


def read_all(blobs: Blobs, name: str) -> bytes:
    with blobs.reader(name) as src:
        return src.read()


def test_a_big_object_streams_through_in_small_writes(blobs):
    assert BIG > 2 * GCS_CHUNK_BYTES  # several resumable upload pieces
    pieces, digest = stream(1, BIG), hashlib.sha256()
    with blobs.writer(NAME) as out:
        for piece in pieces:
            out.write(piece)
            digest.update(piece)
    assert blobs.names() == [NAME]
    got, size = hashlib.sha256(), 0
    with blobs.reader(NAME) as src:
        while block := src.read(1 << 20):
            got.update(block)
            size += len(block)
    assert (size, got.hexdigest()) == (BIG, digest.hexdigest())


@pytest.mark.parametrize("before", [0, 100, GCS_CHUNK_BYTES + WRITE], ids=["nothing", "a-little", "a-chunk"])
def test_an_exception_in_the_writer_leaves_nothing(blobs, before):
    def produce() -> None:
        with blobs.writer(NAME) as out:
            for piece in stream(2, before):
                out.write(piece)
            raise RuntimeError("produce failed")

    with pytest.raises(RuntimeError, match="produce failed"):
        produce()
    gc.collect()  # an upload left open would be finalised when its stream is collected (IOBase closes on __del__)
    assert NAME not in blobs.names()
    assert blobs.names() == []
    with pytest.raises(BlobMissing):
        read_all(blobs, NAME)
    with blobs.writer(NAME) as out:  # the name is free again
        out.write(b"second try")
    assert read_all(blobs, NAME) == b"second try"


def test_create_once_keeps_the_first(blobs):
    name = manifest_name(date(2026, 11, 27))
    assert blobs.create_once(name, b'{"first": true}') is True
    assert blobs.create_once(name, b'{"second": true}') is False
    assert read_all(blobs, name) == b'{"first": true}'
    assert blobs.names() == [name]


def test_reading_a_missing_object(blobs):
    with pytest.raises(BlobMissing):
        read_all(blobs, "2026-11-27/manifest.json")
    with blobs.writer("2026-11-27/other") as out:
        out.write(b"x")
    with pytest.raises(BlobMissing):
        read_all(blobs, "2026-11-27/manifest.json")


def test_names_lists_a_prefix_sorted(blobs):
    assert blobs.names() == []
    made = ["b/4", "a/2", "ab/3", "a/sub/5", "a/1", "2026-11-27/manifest.json"]
    for name in made:
        assert blobs.create_once(name, name.encode())
    assert blobs.names() == sorted(made)
    assert blobs.names("a/") == ["a/1", "a/2", "a/sub/5"]
    assert blobs.names("a") == ["a/1", "a/2", "a/sub/5", "ab/3"]
    assert blobs.names("a/sub/") == ["a/sub/5"]
    assert blobs.names("2026-11-27/") == ["2026-11-27/manifest.json"]
    assert blobs.names("c") == []


def test_delete(blobs):
    blobs.delete("2026-11-27/never/was")  # silent
    blobs.create_once("2026-11-27/run/a", b"a")
    blobs.create_once("2026-11-27/run/b", b"b")
    blobs.delete("2026-11-27/run/a")
    blobs.delete("2026-11-27/run/a")  # twice: silent
    assert blobs.names() == ["2026-11-27/run/b"]
    blobs.delete("2026-11-27/run/b")
    assert blobs.names() == []
    with pytest.raises(BlobMissing):
        read_all(blobs, "2026-11-27/run/b")


def test_a_folder_keeps_no_empty_dated_folders(tmp_path):
    blobs = DirBlobs(tmp_path / "backups")
    assert blobs.names() == []  # the folder does not exist yet
    blobs.create_once("2026-11-27/run/tables/a", b"a")
    blobs.delete("2026-11-27/run/tables/a")
    assert list((tmp_path / "backups").iterdir()) == []


BAD_NAMES = ["../x", "/abs", "a//b", "", "a/../b", "..", "a/./b", "./a", "a/", "a\\b"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_bad_names_are_refused(blobs, bad):
    with pytest.raises(PermanentError):
        with blobs.writer(bad) as out:
            out.write(b"x")
    with pytest.raises(PermanentError):
        blobs.create_once(bad, b"x")
    with pytest.raises(PermanentError):
        read_all(blobs, bad)
    with pytest.raises(PermanentError):
        blobs.delete(bad)
    assert blobs.names() == []


def test_a_sealed_backup_over_the_store(new_blobs):
    keys, day, run = Keys("correct horse battery staple, thirty-two+ chars"), date(2026, 11, 27), \
        "20261126T190001Z-3f9a1c"
    store = SealedStore(new_blobs(), keys)
    contents = {"children": b"".join(b"%d\tAnak %d\n" % (i, i) for i in range(5000)),
                "measurements": random.Random(3).randbytes(3 << 20).hex().encode() + b"\n",
                "audit": b""}
    tables = []
    for table, plain in contents.items():
        written = store.write(table_object(day, run, table), lambda sink, plain=plain: sink.write(plain))
        tables.append({"name": table, "object": written.name, "sha256": written.sha256, "rows": written.lines,
                       "columns": ["id", "value"]})
    manifest = {"format": FORMAT, "date": day.isoformat(), "run": run, "tables": tables}
    assert store.put_manifest(manifest_name(day), manifest) is True
    assert store.put_manifest(manifest_name(day), dict(manifest, tables=tables[:1])) is False

    reopened = SealedStore(new_blobs(), keys)
    doc = reopened.get_manifest(manifest_name(day))
    assert doc is not None and manifest_problems(doc, day) == []
    assert doc["tables"] == tables and doc["key_id"] == keys.current.id
    for entry in doc["tables"]:
        assert b"".join(reopened.open(entry["object"], entry["sha256"])) == contents[entry["name"]]
    assert [e["rows"] for e in doc["tables"]] == [5000, 1, 0]
    assert reopened.names() == sorted([manifest_name(day)] + [e["object"] for e in tables])
    with pytest.raises(BackupDamaged, match="missing"):
        b"".join(reopened.open(table_object(day, run, "nope")))
    with pytest.raises(BackupDamaged, match="sha256"):
        b"".join(reopened.open(tables[0]["object"], tables[1]["sha256"]))
