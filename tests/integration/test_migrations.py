"""Migrations against a real PostgreSQL: applied once, idempotent, safe under concurrent cold starts."""
import json
import threading

import pg8000.dbapi
import pytest

from shared.adapters.postgres import Migration, PostgresRecords, load_migrations, migrate, url_connector
from shared.errors import ConfigError
from shared.whatsapp.outgoing import Button, Buttons, ListMessage, Row, Section, Template, Text
from shared.whatsapp.payloads import build_message

pytestmark = pytest.mark.integration

TABLES = {"posyandu", "guardians", "staff", "children", "measurements", "inbound_messages", "outbound_messages",
          "outbox", "reminders", "audit_log", "schema_migrations"}


def _db(url):
    return PostgresRecords(url_connector(url))


def test_fresh_database_gets_every_table_and_a_record_of_each_migration(database_url):
    """A first start creates the whole schema and records every applied version."""
    db = _db(database_url)

    applied = migrate(db)

    tables = {r[0] for r in db.run("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")}
    assert TABLES <= tables
    assert applied == [m.version for m in load_migrations()]
    assert [r[0] for r in db.run("SELECT version FROM schema_migrations ORDER BY version")] == applied


def test_second_start_applies_nothing(database_url):
    """Running migrations again (every cold start does) is a no-op."""
    migrate(_db(database_url))

    assert migrate(_db(database_url)) == []


def test_concurrent_cold_starts_apply_each_migration_once(database_url):
    """Several instances migrating at once: the advisory lock lets exactly one apply, and none fails."""
    results, errors = [], []

    def start():
        try:
            results.append(migrate(_db(database_url)))
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 0, len(load_migrations())]


def test_failing_migration_leaves_nothing_behind(database_url):
    """A migration that fails halfway is rolled back whole and not recorded."""
    db = _db(database_url)
    bad = Migration("0001", "broken", "CREATE TABLE half_done (id int); SELECT no_such_column FROM half_done;")

    with pytest.raises(pg8000.dbapi.DatabaseError):
        migrate(db, [bad])

    assert db.run("SELECT count(*) FROM information_schema.tables WHERE table_name='half_done'")[0][0] == 0
    assert db.run("SELECT count(*) FROM schema_migrations")[0][0] == 0


def test_edited_migration_is_refused(database_url):
    """Changing an applied migration's text stops start-up with a clear message."""
    db = _db(database_url)
    migrate(db, [Migration("0001", "first", "CREATE TABLE a (id int);")])

    with pytest.raises(ConfigError, match="edited"):
        migrate(db, [Migration("0001", "first", "CREATE TABLE a (id bigint);")])


def test_inbound_message_ids_are_unique(database_url):
    """The durable half of exactly-once: a WhatsApp message id can be stored only once."""
    db = _db(database_url)
    migrate(db)
    db.run("INSERT INTO inbound_messages (wamid, wa_hash, kind) VALUES ('wamid.1', 'abc123', 'text')")

    with pytest.raises(pg8000.dbapi.DatabaseError):
        db.run("INSERT INTO inbound_messages (wamid, wa_hash, kind) VALUES ('wamid.1', 'abc123', 'text')")


def test_deleting_a_guardian_removes_their_children_and_measurements(database_url):
    """HAPUS relies on cascades: one delete removes the family's children, measurements and reminders."""
    db = _db(database_url)
    migrate(db)
    gid = db.run("INSERT INTO guardians (wa_id) VALUES ('6281200000002') RETURNING id")[0][0]
    cid = db.run("INSERT INTO children (guardian_id, name, sex, birth_date) VALUES (%s, 'A', 'F', '2024-01-03') "
                 "RETURNING id", (gid,))[0][0]
    db.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source) VALUES (%s, '2024-06-01', 7.1, "
           "'whatsapp')", (cid,))
    db.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after) VALUES (%s, %s, 'measurement', "
           "'2024-07-01', now())", (cid, gid))

    db.run("DELETE FROM guardians WHERE id = %s", (gid,))

    counts = db.run("SELECT (SELECT count(*) FROM children), (SELECT count(*) FROM measurements), "
                    "(SELECT count(*) FROM reminders)")[0]
    assert list(counts) == [0, 0, 0]


@pytest.mark.parametrize("sql", [
    "INSERT INTO children (name, sex, birth_date) VALUES ('A', 'X', '2024-01-01')",
    "INSERT INTO guardians (wa_id) VALUES ('+62 812')",
    "INSERT INTO guardians (wa_id, consent_at) VALUES ('6281200000003', now())",
    "INSERT INTO staff (wa_id, name, role) VALUES ('6281200000004', 'K', 'kader')",
])
def test_schema_refuses_impossible_rows(database_url, sql):
    """Constraints keep bad data out even if code forgets a check (sex, wa_id form, consent version, posyandu)."""
    db = _db(database_url)
    migrate(db)

    with pytest.raises(pg8000.dbapi.DatabaseError):
        db.run(sql)


# Messages as the outbox described them before it kept Graph bodies: one of each shape the services queued.
LEGACY = [
    ({"type": "text", "body": "Halo Ibu 👋\nBerat Ani 8,2 kg.", "preview_url": False},
     Text("Halo Ibu 👋\nBerat Ani 8,2 kg.")),
    ({"type": "buttons", "body": "Lihat grafik?", "header": "", "footer": "", "image_id": "",
      "buttons": [["chart:lfa:7", "Grafik TB/U"], ["menu", "Menu"]]},
     Buttons("Lihat grafik?", (Button("chart:lfa:7", "Grafik TB/U"), Button("menu", "Menu")))),
    ({"type": "list", "body": "Pilih anak", "button": "Menu", "header": "", "footer": "",
      "sections": [["Menu", [["child:1", "Ani", ""], ["child:new", "Anak baru", "Tambah anak lain"]]]]},
     ListMessage("Pilih anak", "Menu", (Section("Menu", (Row("child:1", "Ani"),
                                                         Row("child:new", "Anak baru", "Tambah anak lain"))),))),
    ({"type": "template", "name": "pesan_menunggu", "language": "id", "body_params": [], "quick_replies": []},
     Template("pesan_menunggu", "id")),
    ({"type": "template", "name": "hasil_pengukuran", "language": "en", "body_params": ["Ani", "10 Mar"],
      "quick_replies": ["open:1"]},
     Template("hasil_pengukuran", "en", ("Ani", "10 Mar"), ("open:1",))),
]


def test_waiting_messages_are_rewritten_into_the_bodies_the_builder_makes(database_url):
    """Messages queued before the outbox kept Graph bodies (held for a closed window, say) are rewritten by the
    migration into exactly what build_message makes today; sent ones are left alone."""
    db = _db(database_url)
    shipped = load_migrations()
    ours = next(m for m in shipped if m.name == "outbox_message_bodies")
    migrate(db, [m for m in shipped if m.version < ours.version])
    to = "6281200000001"
    for i, (message, _) in enumerate(LEGACY):
        db.run("INSERT INTO outbox (kind, payload, dedupe_key) VALUES ('send', %s, %s)",
               (json.dumps({"to": to, "message": message, "kind": "reply", "guardian_id": None, "lang": "id"}),
                f"legacy:{i}"))
    db.run("INSERT INTO outbox (kind, payload, dedupe_key, done_at) VALUES ('send', '{}', 'sent', now())")

    assert ours.version in migrate(db)

    rows = dict(db.run("SELECT dedupe_key, payload FROM outbox WHERE kind = 'send'"))
    for i, (_, message) in enumerate(LEGACY):
        payload = rows[f"legacy:{i}"]
        assert payload["body"] == build_message(to, message)
        assert "message" not in payload and payload["to"] == to and payload["lang"] == "id"
    assert rows["sent"] == {}


def test_a_database_with_children_and_measurements_upgrades_to_approximate_ages(database_url):
    """Rows stored before ages could be given keep their birth date and get no age; afterwards a child may have no
    birth date, and an age given must be under 60 months."""
    db = _db(database_url)
    shipped = load_migrations()
    ours = next(m for m in shipped if m.name == "approximate_age")
    migrate(db, [m for m in shipped if m.version < ours.version])
    cid = db.run("INSERT INTO children (name, sex, birth_date) VALUES ('A', 'F', '2024-01-03') RETURNING id")[0][0]
    db.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source) VALUES (%s, '2024-06-01', 7.1, "
           "'whatsapp')", (cid,))

    assert migrate(db, [m for m in shipped if m.version <= ours.version]) == [ours.version]

    assert db.run("SELECT c.birth_date::text, m.age_months_given FROM children c JOIN measurements m "
                  "ON m.child_id = c.id") == [["2024-01-03", None]]
    unknown = db.run("INSERT INTO children (name, sex) VALUES ('B', 'M') RETURNING id")[0][0]
    db.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source, age_months_given) "
           "VALUES (%s, '2025-03-10', 8.2, 'whatsapp', 15)", (unknown,))
    with pytest.raises(pg8000.dbapi.DatabaseError):
        db.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source, age_months_given) "
               "VALUES (%s, '2025-03-10', 18, 'whatsapp', 72)", (unknown,))
    with pytest.raises(pg8000.dbapi.DatabaseError):
        db.run("INSERT INTO children (name, sex, birth_date) VALUES ('C', 'M', '1980-01-01')")  # its CHECK stays


def test_a_sheet_delete_queued_before_posyandu_sheets_is_done_and_new_ones_name_their_posyandu(database_url):
    """No spreadsheet existed before 0008, so a delete queued then has nothing to remove; posyandu get a spreadsheet
    id (shared by a puskesmas's posyandu if configured so) and a reconcile time."""
    db = _db(database_url)
    shipped = load_migrations()
    ours = next(m for m in shipped if m.name == "posyandu_sheets")
    migrate(db, [m for m in shipped if m.version < ours.version])
    db.run("INSERT INTO outbox (kind, payload) VALUES ('sheet_delete', '{\"child_ids\": [1]}'), "
           "('sheet_upsert', '{\"child_id\": 2}')")

    assert migrate(db, [m for m in shipped if m.version <= ours.version]) == [ours.version]

    assert db.run("SELECT kind, payload, done_at IS NOT NULL FROM outbox ORDER BY id") == [
        ["sheet_delete", {}, True], ["sheet_upsert", {"child_id": 2}, False]]
    db.run("INSERT INTO posyandu (name, village, spreadsheet_id) VALUES ('A', 'x', 'sheet-1'), ('B', 'y', 'sheet-1')")
    assert db.run("SELECT count(*) FROM posyandu WHERE spreadsheet_id = 'sheet-1' AND sheet_reconciled_at IS NULL") \
        == [[2]]
