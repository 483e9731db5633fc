"""The nightly backup against real PostgreSQL, on both backends (a local folder, and Cloud Storage through its client
library against gcp-storage-emulator): backup → fresh database → restore gives every row back; damage of any
kind is caught; a re-run, a race, an interruption and the retention leave exactly what they should."""
from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.adapters.blobs import DirBlobs
from shared.adapters.postgres import url_connector
from shared.adapters.postgres.dump import PgDump, PgRestore, RestoreRefused
from shared.adapters.sealed import Keys, SealedStore
from shared.domain import backups as rules
from shared.errors import BackupBusy, BackupDamaged
from shared.ports import BackupPorts
from shared.services import backup
from tests.integration.conftest import Chat
from tests.integration.test_privacy import quick_child

pytestmark = pytest.mark.integration

KEY = "5f0c1e2d3b4a69788796a5b4c3d2e1f00f1e2d3c"
OTHER_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334"
NIGHT = datetime(2026, 11, 26, 19, 0, tzinfo=timezone.utc)  # 02:00 WIB on 27 November
DAY = date(2026, 11, 27)
PARENT = "6281200000077"


def _store(kind: str, tmp_path: Path, request, key: str = KEY, previous: tuple[str, ...] = ()) -> SealedStore:
    if kind == "gcs":
        from shared.adapters.gcs import GcsBlobs

        bucket, api = request.getfixturevalue("gcs_bucket")
        return SealedStore(GcsBlobs(bucket, api), Keys(key, previous))
    return SealedStore(DirBlobs(tmp_path / "backups"), Keys(key, previous))


@pytest.fixture(params=["dir", "gcs"])
def store(request, tmp_path) -> SealedStore:
    return _store(request.param, tmp_path, request)


def _ports(store, database_url: str, exporter=None) -> BackupPorts:
    return BackupPorts(store=store, dump=PgDump(url_connector(database_url)), exporter=exporter,
                       tz="Asia/Jakarta", version="test")


# Values COPY's text format must escape: tab, newline, carriage return, backslash, quotes, NUL-free unicode.
AWKWARD = ["Ani\tTab", "Budi\nBaris", "Cici\\N bukan null", "Dedi \"kutip\" 'satu'", "Eka\r\n", "Fitri 👶🏽 ñ ü",
           "Gita\\\\", "X"]


class Family(Chat):
    """A parent whose message ids, like Meta's, do not spell out the number."""

    def message(self, text: str = "", reply_id: str = "", kind: str | None = None):
        inbound = super().message(text, reply_id, kind)
        return dataclasses.replace(inbound, wamid="wamid." + uuid.uuid4().hex)


@pytest.fixture
def family(ports) -> Family:
    parent = Family(ports, wa_id=PARENT)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    return parent


@pytest.fixture
def seeded(ports, family, database_url):
    """A database as life leaves it: conversations, a kader (audit trigger), awkward names, NULLs, JSON, deleted
    rows (sequences ahead of the largest id)."""
    kader_chat_posyandu = ports.records.run(
        "INSERT INTO posyandu (name, village, district) VALUES ('Melati', 'Sukamaju', 'Cibeber') RETURNING id")[0][0]
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES ('6281300000009', 'Siti', "
                      "'kader', %s)", (kader_chat_posyandu,))
    quick_child(family, "Ani")
    guardian = ports.records.run("SELECT id FROM guardians WHERE wa_id = %s", (PARENT,))[0][0]
    for i, name in enumerate(AWKWARD):
        child = ports.records.run(
            "INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) VALUES (%s, %s, 'F', %s, %s) "
            "RETURNING id", (guardian, name, date(2024, 1, 1) + timedelta(days=i), kader_chat_posyandu))[0][0]
        ports.records.run(
            "INSERT INTO measurements (child_id, measured_on, weight_kg, source, source_ref, assessment) "
            "SELECT %s::bigint, date '2026-01-01' + k, 8.5 + k / 10.0, 'whatsapp', 'seed:' || %s::text || ':' || k, "
            "jsonb_build_object('note', %s::text, 'k', k) FROM generate_series(1, 30) k", (child, child, name))
    ports.records.run("DELETE FROM measurements WHERE id IN (SELECT max(id) FROM measurements)")
    return ports


def _everything(url: str) -> dict[str, list[str]]:
    """Every row of every table as PostgreSQL prints it, in order, and each sequence's state."""
    import pg8000.native
    from urllib.parse import urlsplit

    u = urlsplit(url)
    conn = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:])
    try:
        tables = [r[0] for r in conn.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                         "ORDER BY tablename")]
        out = {}
        for table in tables:
            column = "(version, name, checksum)" if table == "schema_migrations" else "x"
            out[table] = [r[0] for r in conn.run(f'SELECT {column}::text FROM "{table}" x ORDER BY 1')]
        for (seq,) in conn.run("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
            out["seq:" + seq] = [str(conn.run(f'SELECT last_value, is_called FROM "{seq}"')[0])]
        return out
    finally:
        conn.close()


def test_backup_then_restore_gives_back_every_row(store, seeded, database_url, restore_url):
    """Backup → a fresh database → restore: every row of every table identical, sequences included (a restored
    Tumbuh never hands out an id a deleted row had: the Sheet's rows are keyed by them)."""
    made = backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    report = backup.verify(store, DAY)
    restored = backup.restore(store, DAY, PgRestore(url_connector(restore_url)))

    before, after = _everything(database_url), _everything(restore_url)
    assert made["ok"] and made["done_before"] is False and made["rows"] == restored["rows"] > 250
    assert report["ok"] and report["problems"] == [] and report["rows"] == made["rows"]
    assert before == after
    assert any("Budi\nBaris" in row or "Budi\\nBaris" in row for row in after["children"])


def test_restore_refuses_a_database_holding_rows_unless_told(store, seeded, database_url, restore_url):
    """A non-empty target is refused, saying how to proceed; --replace drops it and restores."""
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    target = PgRestore(url_connector(restore_url))
    backup.restore(store, DAY, target)

    with pytest.raises(RestoreRefused, match="not empty.*--replace"):
        backup.restore(store, DAY, target)
    backup.restore(store, DAY, target, replace=True)

    assert _everything(restore_url) == _everything(database_url)


def test_a_second_run_the_same_night_changes_nothing(store, seeded, database_url):
    """Cloud Scheduler's retry after a success: the backup exists, nothing is written twice."""
    first = backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    names = store.names()
    again = backup.run(_ports(store, database_url), NIGHT + timedelta(minutes=20), "d4e5f6")

    assert first["done_before"] is False and again["done_before"] is True
    assert store.names() == names
    assert [b["date"] for b in backup.listing(store)] == [DAY.isoformat()]


def test_two_runs_at_once_leave_one_good_backup(store, seeded, database_url):
    """Two runs started together (a retry overlapping a slow first attempt): one makes the backup, the other steps
    aside or finds it made; one manifest, and every object is that backup's."""
    results: list[object] = []
    start = threading.Barrier(2)

    def one(token: str) -> None:
        start.wait()
        try:
            results.append(backup.run(_ports(store, database_url), NIGHT, token))
        except BackupBusy as busy:
            results.append(busy)

    threads = [threading.Thread(target=one, args=(t,)) for t in ("aaaaaa", "bbbbbb")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    made = [r for r in results if isinstance(r, dict) and not r["done_before"]]
    manifest = store.get_manifest(rules.manifest_name(DAY))
    assert len(results) == 2 and len(made) == 1
    assert all(rules.object_run(n) == manifest["run"] for n in store.names() if n != rules.manifest_name(DAY))
    assert backup.verify(store, DAY)["ok"]


class LosesTheManifestRace:
    """A store where another run writes the manifest first (the moment between checking and writing)."""

    def __init__(self, inner):
        self.inner = inner
        self.where, self.key_id = inner.where, inner.key_id

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def put_manifest(self, name, manifest):
        self.inner.put_manifest(name, dict(manifest, run="20261126T185959Z-000000", tables=manifest["tables"]))
        return self.inner.put_manifest(name, manifest)


def test_the_run_that_loses_the_manifest_race_removes_what_it_wrote(store, seeded, database_url):
    """Only the first manifest counts; the loser deletes its own objects and reports the backup as made."""
    result = backup.run(_ports(LosesTheManifestRace(store), database_url), NIGHT, "cccccc")

    assert result["done_before"] is True
    assert [n for n in store.names() if "cccccc" in n] == []


class FailsOnTable:
    """A dump whose connection dies while streaming one table."""

    def __init__(self, inner, table: str):
        self.inner, self.table = inner, table

    def snapshot(self):
        outer = self

        class Wrapped:
            def __init__(self, snap):
                self.snap = snap

            def __getattr__(self, name):
                return getattr(self.snap, name)

            def copy_out(self, table, sink):
                if table.name == outer.table:
                    sink.write(b"1\thalf a row\n")
                    from shared.errors import TransientError
                    raise TransientError("PostgreSQL connection lost during the backup: OSError")
                return self.snap.copy_out(table, sink)

        from contextlib import contextmanager

        @contextmanager
        def cm():
            with self.inner.snapshot() as snap:
                yield Wrapped(snap)
        return cm()


def test_a_backup_interrupted_half_way_leaves_nothing_that_looks_complete(store, seeded, database_url):
    """The connection drops in the middle of a table: the run fails, no manifest, nothing of it stays, and the
    next run makes a complete backup."""
    from shared.errors import TransientError

    broken = _ports(store, database_url)
    broken.dump = FailsOnTable(broken.dump, "measurements")
    with pytest.raises(TransientError):
        backup.run(broken, NIGHT, "dddddd")

    assert store.get_manifest(rules.manifest_name(DAY)) is None
    assert store.names() == []
    with pytest.raises(BackupDamaged, match="no backup of 2026-11-27"):
        backup.verify(store, DAY)
    assert backup.run(_ports(store, database_url), NIGHT, "eeeeee")["done_before"] is False
    assert backup.verify(store, DAY)["ok"]


def test_objects_a_killed_run_left_are_never_a_backup(tmp_path, seeded, database_url, request):
    """A run killed before its manifest (objects stay, nobody cleaned up): listed as incomplete, refused by verify
    and restore, removed by a prune a day later."""
    store = _store("dir", tmp_path, request)
    backup.run(_ports(store, database_url), NIGHT, "ffffff")
    store.delete(rules.manifest_name(DAY))  # as if the run died just before writing it

    listed = backup.listing(store)
    assert listed == [{"date": "2026-11-27", "status": "incomplete", "problem": "no manifest: not a backup"}]
    with pytest.raises(BackupDamaged, match="no manifest: it is incomplete"):
        backup.verify(store, DAY)
    with pytest.raises(BackupDamaged, match="incomplete"):
        backup.restore(store, DAY, PgRestore(url_connector(database_url)))
    assert backup.prune(store, NIGHT + timedelta(hours=2)) == 0  # it might still be running
    assert backup.prune(store, NIGHT + timedelta(hours=25)) > 0 and store.names() == []


def _rewrite(store: SealedStore, name: str, change) -> None:
    """Replace an object's raw (sealed) bytes with change(bytes)."""
    with store.blobs.reader(name) as src:
        data = src.read()
    store.blobs.delete(name)
    with store.blobs.writer(name) as out:
        out.write(change(data))


def _object(store: SealedStore, table: str) -> str:
    return next(n for n in store.names() if n.endswith(f"/tables/{table}.copy{rules.SEALED}"))


@pytest.mark.parametrize("damage,says", [
    (lambda b: b[:300] + bytes([b[300] ^ 0x40]) + b[301:], "fails its check"),
    (lambda b: b[: len(b) // 2], "cut short"),
    (lambda b: b[:-1], "cut short"),
    (lambda b: b + b"\0", "data follows the last chunk"),
])
def test_a_damaged_object_is_caught_and_nothing_is_restored(store, seeded, database_url, restore_url, damage, says):
    """A flipped bit, a truncated object, extra bytes: verify names the object, restore refuses and keeps nothing."""
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    _rewrite(store, _object(store, "measurements"), damage)

    report = backup.verify(store, DAY)
    with pytest.raises(BackupDamaged, match=says):
        backup.restore(store, DAY, PgRestore(url_connector(restore_url)))

    assert not report["ok"] and len(report["problems"]) == 1 and "measurements" in report["problems"][0]
    assert says in report["problems"][0]
    assert all(not rows for table, rows in _everything(restore_url).items()
               if table != "schema_migrations" and not table.startswith("seq:"))


def test_an_object_swapped_for_another_valid_one_is_caught(store, seeded, database_url):
    """Sealed with the right key but not the object the manifest names (sha256 differs)."""
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    with store.blobs.reader(_object(store, "guardians")) as src:
        other = src.read()
    _rewrite(store, _object(store, "posyandu"), lambda _: other)

    problems = backup.verify(store, DAY)["problems"]

    assert len(problems) == 1 and "sha256" in problems[0]


def test_a_missing_object_or_manifest_is_caught(store, seeded, database_url):
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    store.delete(_object(store, "children"))

    assert "missing" in " ".join(backup.verify(store, DAY)["problems"])
    store.delete(rules.manifest_name(DAY))
    with pytest.raises(BackupDamaged, match="no manifest"):
        backup.verify(store, DAY)


def test_a_changed_manifest_is_caught(store, seeded, database_url):
    """Someone edits a row count in the manifest: its seal no longer matches."""
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    name = rules.manifest_name(DAY)
    _rewrite(store, name, lambda b: b.replace(b'"rows": ', b'"rows": 1', 1))

    with pytest.raises(BackupDamaged, match="changed after it was written"):
        backup.verify(store, DAY)
    assert backup.listing(store)[0]["status"] == "damaged"


def test_the_wrong_key_is_named_and_an_old_key_still_opens_old_backups(tmp_path, seeded, database_url, request,
                                                                       restore_url):
    """After a rotation without the old key, the backup says which key it needs; with BACKUP_PREVIOUS_KEYS it
    verifies and restores."""
    old = _store("dir", tmp_path, request)
    backup.run(_ports(old, database_url), NIGHT, "a1b2c3")
    rotated = _store("dir", tmp_path, request, key=OTHER_KEY)
    both = _store("dir", tmp_path, request, key=OTHER_KEY, previous=(KEY,))

    with pytest.raises(BackupDamaged, match=f"key {old.key_id}.*BACKUP_PREVIOUS_KEYS"):
        backup.verify(rotated, DAY)
    assert backup.verify(both, DAY)["ok"]
    backup.restore(both, DAY, PgRestore(url_connector(restore_url)))
    assert _everything(restore_url) == _everything(database_url)


def test_a_family_deleted_with_hapus_is_in_no_later_backup(tmp_path, seeded, family, database_url, request):
    """HAPUS before the night: nothing of the family (number, children's names) is in any object of that backup."""
    store = _store("dir", tmp_path, request)
    backup.run(_ports(store, database_url), NIGHT - timedelta(days=1), "a1b2c3")
    family.say("HAPUS")
    family.say(reply_id="delete:yes")
    backup.run(_ports(store, database_url), NIGHT, "d4e5f6")

    def plain(day: date) -> bytes:
        doc = backup.manifest_for(store, day)
        return b"".join(b"".join(store.open(e["object"])) for e in doc["tables"])

    assert PARENT.encode() in plain(DAY - timedelta(days=1))  # the older backup still has it (docs/privacy.md)
    tonight = plain(DAY)
    assert PARENT.encode() not in tonight and b"Fitri" not in tonight and b"Ani\\tTab" not in tonight


def test_retention_keeps_7_daily_4_weekly_12_monthly(tmp_path, seeded, database_url, request):
    """A year and a half of nights (every third night, to keep the test short): what stays is exactly what the
    policy keeps, and every kept backup still verifies."""
    store = _store("dir", tmp_path, request)
    nights = [NIGHT - timedelta(days=3 * k) for k in range(180, -1, -1)]
    for n, night in enumerate(nights):
        backup.run(_ports(store, database_url), night, f"{n:06x}")

    days = {date.fromisoformat(b["date"]) for b in backup.listing(store)}
    assert days == rules.keep([backup.local_day(n, "Asia/Jakarta") for n in nights])
    assert 12 <= len(days) <= 23 and DAY in days
    assert all(backup.verify(store, d)["ok"] for d in sorted(days)[:2])


def test_sheets_are_exported_beside_the_tables_unless_a_deletion_waits(tmp_path, seeded, database_url, request):
    """Each posyandu's workbook goes into the backup as it is; one whose Sheet still holds a deleted family (its
    deletion waits in the outbox) is skipped tonight and named in the manifest."""
    from shared.adapters.sheet_workbook import WorkbookSheets

    store = _store("dir", tmp_path, request)
    sheets = WorkbookSheets(tmp_path / "sheets")
    (tmp_path / "sheets").mkdir()
    first, second = seeded.records.run(
        "INSERT INTO posyandu (name, village, spreadsheet_id) VALUES ('Mawar', 'A', 'sheet-mawar'), "
        "('Kenanga', 'B', 'sheet-kenanga') RETURNING id")
    sheets.path("sheet-mawar").write_bytes(b"PK\x03\x04 a workbook of Mawar")
    sheets.path("sheet-kenanga").write_bytes(b"PK\x03\x04 a workbook of Kenanga")
    seeded.records.run("INSERT INTO outbox (kind, payload) VALUES ('sheet_delete', jsonb_build_object("
                       "'posyandu_id', %s::bigint, 'child_ids', '[1]'::jsonb))", (second[0],))

    made = backup.run(_ports(store, database_url, exporter=sheets), NIGHT, "a1b2c3")
    doc = backup.manifest_for(store, DAY)

    assert made["sheets"] == 1 and made["sheets_skipped"] == 1
    assert [s["posyandu_id"] for s in doc["sheets"]] == [first[0]]
    assert doc["sheets_skipped"] == [{"posyandu_id": second[0], "reason": "deletion_pending"}]
    assert b"".join(store.open(doc["sheets"][0]["object"])) == b"PK\x03\x04 a workbook of Mawar"
    assert backup.verify(store, DAY)["ok"]


def test_a_restore_deletes_again_the_families_deleted_since_the_backup(tmp_path, seeded, family, database_url,
                                                                       restore_url, request):
    """The backup predates a HAPUS: restored with --reapply-deletions-from the database it replaces, the family is
    deleted again (and the rest is as in the backup)."""
    from shared.adapters.postgres.dump import deletions_since

    store = _store("dir", tmp_path, request)
    backup.run(_ports(store, database_url), NIGHT, "a1b2c3")
    family.say("HAPUS")
    family.say(reply_id="delete:yes")

    result = backup.restore(store, DAY, PgRestore(url_connector(restore_url)),
                            deletions=lambda since: deletions_since(url_connector(database_url), since))

    after = _everything(restore_url)
    assert result["deleted_again"] == {"guardians": 1, "children": len(AWKWARD) + 1}
    assert not [row for table in ("guardians", "children") for row in after[table] if PARENT in row or "Fitri" in row]
    assert len(after["posyandu"]) == 1 and len(after["staff"]) == 1


class ManifestLandsButTimesOut(LosesTheManifestRace):
    """The manifest's upload reaches the bucket, but its answer is lost (a timeout)."""

    def put_manifest(self, name, manifest):
        from shared.errors import TransientError

        self.inner.put_manifest(name, manifest)
        raise TransientError("Cloud Storage did not answer (TimeoutError)")


def test_a_manifest_that_landed_keeps_its_objects_even_when_its_answer_was_lost(store, seeded, database_url):
    """The run fails (Scheduler retries), but the backup it made stays whole: the retry finds it done."""
    from shared.errors import TransientError

    with pytest.raises(TransientError):
        backup.run(_ports(ManifestLandsButTimesOut(store), database_url), NIGHT, "a1b2c3")

    assert backup.verify(store, DAY)["ok"]
    assert backup.run(_ports(store, database_url), NIGHT, "d4e5f6")["done_before"] is True


class CannotDelete(LosesTheManifestRace):
    def put_manifest(self, name, manifest):
        return self.inner.put_manifest(name, manifest)

    def delete(self, name):
        from shared.errors import PermanentError

        raise PermanentError("Cloud Storage refused " + name)


def test_a_prune_that_fails_leaves_the_backup_good_and_says_so(tmp_path, seeded, database_url, request, log_stream):
    """Tonight's backup is made; the prune's failure is one ERROR line for the alert, not a failed night."""
    store = _store("dir", tmp_path, request)
    orphan = "2025-01-01/20250101T000000Z-abcdef/tables/children.copy" + rules.SEALED  # a run that died long ago
    store.write(orphan, lambda sink: sink.write(b"1\tAni\n"))

    made = backup.run(_ports(CannotDelete(store), database_url), NIGHT, "a1b2c3")

    assert made["ok"] and made["pruned"] is None and backup.verify(store, DAY)["ok"] and orphan in store.names()
    assert '"severity": "ERROR", "message": "backup prune failed' in log_stream.getvalue()
