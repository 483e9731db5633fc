"""The Sheet mirror: what the chat records reaches its posyandu's workbook in one flush, once, and HAPUS takes it
away; failures keep the rows in the outbox (real PostgreSQL, real .xlsx files)."""
from datetime import date

import pytest

import openpyxl

from shared.adapters.sheet_workbook import WorkbookRefused, WorkbookSheets
from shared.errors import TransientError
from shared.services import sheet_sync
from shared.sheet import layout
from tests.integration.test_kader import _family_of_ani, _register_new_child

pytestmark = pytest.mark.integration
TODAY = date(2025, 3, 10)  # the integration chats' day


def data_tabs() -> list[dict]:
    """The register's data tabs without formulas: enough for the mirror's own tests."""
    return [{"name": layout.CHILDREN, "headers": [c.header for c in layout.CHILD_DATA]},
            {"name": layout.MEASUREMENTS, "headers": [c.header for c in layout.MEASUREMENT_DATA]}]


class Counting:
    """A SheetSync that counts calls and can fail the next ones."""

    def __init__(self, inner, fail: int = 0, error=TransientError("down")):
        self.inner, self.calls, self.fail, self.error = inner, [], fail, error

    def __getattr__(self, name):
        def call(*args):
            self.calls.append(name)
            if self.fail:
                self.fail -= 1
                raise self.error
            return getattr(self.inner, name)(*args)
        return call


@pytest.fixture
def sheets(tmp_path):
    return WorkbookSheets(tmp_path / "sheets")


@pytest.fixture
def melati(kader, ports, sheets) -> str:
    """Posyandu Melati (the kader's) with its workbook set up."""
    pid = ports.records.run("SELECT id FROM posyandu WHERE name = 'Melati'")[0][0]
    sid = sheets.setup(None, "Posyandu Melati", data_tabs(), [])["spreadsheet_id"]
    ports.records.set_spreadsheet(pid, sid)
    return sid


def rows_of(sheets, sid: str, tab: str) -> list[dict]:
    data = layout.CHILD_DATA if tab == layout.CHILDREN else layout.MEASUREMENT_DATA
    found = sheets.read_rows(sid, tab, [c.header for c in data])
    return [dict(zip((c.key for c in data), r["values"])) for r in found]


def due_now(ports) -> None:
    ports.records.run("UPDATE outbox SET next_attempt_at = now() WHERE done_at IS NULL")


def test_a_kader_measurement_reaches_the_posyandu_workbook_in_one_flush(kader, ports, sheets, melati):
    _register_new_child(kader)

    counts = sheet_sync.flush(ports.records, sheets, TODAY)

    assert counts["rows"] == 2 and counts["failed"] == 0
    child, = rows_of(sheets, melati, layout.CHILDREN)
    assert (child["name"], child["sex"], child["birth_date"], child["registered_by"]) == ("Ani", "P", "2024-01-03",
                                                                                          "Siti")
    m, = rows_of(sheets, melati, layout.MEASUREMENTS)
    assert (m["child_id"], m["child_name"], m["weight_kg"], m["lenhei_cm"], m["measure"], m["oedema"],
            m["entered_by"]) == (child["row_id"], "Ani", 8.9, 78, "PB", "Tidak", "Siti")
    assert m["measured_on"] == ports.records.run("SELECT measured_on FROM measurements")[0][0].isoformat()
    assert ports.records.outbox_pending() == 0
    assert sheet_sync.flush(ports.records, sheets, TODAY)["rows"] == 0  # nothing twice


def test_a_failed_flush_keeps_the_rows_and_the_retry_writes_each_once(kader, ports, sheets, melati):
    _register_new_child(kader)
    down = Counting(sheets, fail=1)

    first = sheet_sync.flush(ports.records, down, TODAY)
    assert (first["rows"], first["failed"]) == (0, 1) and ports.records.outbox_pending() == 1
    assert ports.records.run("SELECT last_error, next_attempt_at > now() FROM outbox WHERE done_at IS NULL") == \
        [["TransientError", True]]
    due_now(ports)
    sheet_sync.flush(ports.records, down, TODAY)
    due_now(ports)
    ports.records.run("UPDATE outbox SET done_at = NULL WHERE kind = 'sheet_upsert'")  # as if redelivered
    sheet_sync.flush(ports.records, sheets, TODAY)

    assert len(rows_of(sheets, melati, layout.MEASUREMENTS)) == 1
    assert len(rows_of(sheets, melati, layout.CHILDREN)) == 1


def test_a_refused_batch_waits_for_someone_to_mend_the_sheet_and_is_not_dropped(kader, ports, sheets, melati):
    _register_new_child(kader)
    with pytest.raises(WorkbookRefused):
        sheets.upsert_rows(melati, layout.MEASUREMENTS, ["Kolom Lain"], [[1]])  # columns that are not the Sheet's

    counts = sheet_sync.flush(ports.records, Counting(sheets, fail=2, error=WorkbookRefused("bad_layout")), TODAY)

    assert counts["failed"] == 1
    assert ports.records.run("SELECT last_error, next_attempt_at > now() + interval '50 minutes' FROM outbox "
                             "WHERE done_at IS NULL") == [["refused: bad_layout", True]]


def test_rows_of_a_posyandu_without_a_sheet_are_not_kept_waiting(kader, ports, sheets):
    _register_new_child(kader)

    counts = sheet_sync.flush(ports.records, sheets, TODAY)

    assert (counts["skipped"], counts["rows"]) == (1, 0) and ports.records.outbox_pending() == 0


def test_setting_up_a_sheet_later_brings_the_whole_register(kader, ports, sheets):
    _register_new_child(kader)
    sheet_sync.flush(ports.records, sheets, TODAY)  # no Sheet yet: skipped
    pid = ports.records.run("SELECT id FROM posyandu WHERE name = 'Melati'")[0][0]
    sid = sheets.setup(None, "Posyandu Melati", data_tabs(), [])["spreadsheet_id"]

    assert ports.records.set_spreadsheet(pid, sid) == 2
    sheet_sync.flush(ports.records, sheets, TODAY)

    assert [r["child_name"] for r in rows_of(sheets, sid, layout.MEASUREMENTS)] == ["Ani"]


def test_hapus_removes_the_family_rows_from_the_workbook(kader, ports, sheets, melati):
    parent = _family_of_ani(kader, ports)
    sheet_sync.flush(ports.records, sheets, TODAY)
    assert len(rows_of(sheets, melati, layout.MEASUREMENTS)) == 1

    assert parent.say("HAPUS") == ["confirm_delete"]
    assert parent.say(reply_id="delete:yes") == ["delete_done"]
    counts = sheet_sync.flush(ports.records, sheets, TODAY)

    assert counts["deleted"] == 2
    assert rows_of(sheets, melati, layout.MEASUREMENTS) == [] and rows_of(sheets, melati, layout.CHILDREN) == []


def test_a_row_a_kader_typed_survives_the_mirror(kader, ports, sheets, melati):
    """Rows a kader typed by hand (no Tumbuh id yet) are below Tumbuh's: an append goes after them."""
    wb = openpyxl.load_workbook(sheets.path(melati))  # the kader's hand, in LibreOffice
    wb[layout.MEASUREMENTS].append([None, None, "Budi", "L", date(2023, 5, 1), date(2024, 11, 2)])
    wb.save(sheets.path(melati))
    _register_new_child(kader)

    sheet_sync.flush(ports.records, sheets, TODAY)

    names = [r["child_name"] for r in rows_of(sheets, melati, layout.MEASUREMENTS)]
    assert names == ["Budi", "Ani"]


def test_a_thousand_measurements_take_at_most_three_calls(kader, ports, sheets, melati):
    child = ports.records.run("INSERT INTO children (name, sex, birth_date, posyandu_id) SELECT 'Ani', 'F', "
                              "'2023-01-03', id FROM posyandu RETURNING id")[0][0]
    ports.records.run("WITH m AS (INSERT INTO measurements (child_id, measured_on, weight_kg, source, source_ref) "
                      "SELECT %s::bigint, date '2023-02-01' + i, 9.0, 'sheet', 'bulk:' || i FROM generate_series(1, 1000) i "
                      "RETURNING id) INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_upsert', "
                      "json_build_object('child_id', %s::bigint, 'measurement_id', id), 'measurement:' || id FROM m",
                      (child, child))
    counting = Counting(sheets)

    counts = sheet_sync.flush(ports.records, counting, TODAY)

    assert counts["rows"] == 1001 and len(counting.calls) <= 3
    assert len(rows_of(sheets, melati, layout.MEASUREMENTS)) == 1000


def test_a_workbook_open_in_libreoffice_is_written_once_it_is_closed(kader, ports, sheets, melati):
    """LibreOffice's lock file says a person has the workbook open: Tumbuh's rows wait rather than be lost when
    they save (or undo their typing), and are written at the first run after it is closed."""
    _register_new_child(kader)
    lock = sheets.path(melati).parent / f".~lock.{sheets.path(melati).name}#"
    lock.write_text("Siti,kader,posyandu,27.11.2026 10:00,file:///home/siti/.config/libreoffice/4;")

    held = sheet_sync.flush(ports.records, sheets, TODAY)
    lock.unlink()
    due_now(ports)
    written = sheet_sync.flush(ports.records, sheets, TODAY)

    assert (held["rows"], held["failed"]) == (0, 1) and written["rows"] == 2
    assert [r["child_name"] for r in rows_of(sheets, melati, layout.MEASUREMENTS)] == ["Ani"]


def test_a_save_by_someone_else_while_tumbuh_writes_wins_and_tumbuh_writes_again(kader, ports, sheets, melati,
                                                                                monkeypatch):
    """A person saves the workbook between Tumbuh's read and Tumbuh's write: theirs stays, Tumbuh's rows wait."""
    _register_new_child(kader)
    save = openpyxl.Workbook.save
    person = {"saves": 1}

    def save_meanwhile(wb, filename):
        if person["saves"]:  # the person's save lands while Tumbuh writes its temporary file
            person["saves"] -= 1
            theirs = openpyxl.load_workbook(sheets.path(melati))
            theirs[layout.MEASUREMENTS].append([None, None, "Budi", "L"])
            save(theirs, sheets.path(melati))
        save(wb, filename)

    monkeypatch.setattr(openpyxl.Workbook, "save", save_meanwhile)
    first = sheet_sync.flush(ports.records, sheets, TODAY)
    due_now(ports)
    sheet_sync.flush(ports.records, sheets, TODAY)

    assert first["failed"] == 1
    assert [r["child_name"] for r in rows_of(sheets, melati, layout.MEASUREMENTS)] == ["Budi", "Ani"]


def test_a_workbook_caught_half_saved_is_tried_again_not_a_crash(kader, ports, sheets, melati):
    _register_new_child(kader)
    whole = sheets.path(melati).read_bytes()
    sheets.path(melati).write_bytes(whole[: len(whole) // 2])  # a program is half-way through saving it

    held = sheet_sync.flush(ports.records, WorkbookSheets(sheets.folder), TODAY)
    sheets.path(melati).write_bytes(whole)
    due_now(ports)
    written = sheet_sync.flush(ports.records, WorkbookSheets(sheets.folder), TODAY)

    assert held["failed"] == 1 and written["rows"] == 2
