"""Kader edits flowing back: what a kader changes or types in the posyandu's workbook reaches PostgreSQL in one
scheduler run (the reconcile), validated like the chat; a bad edit is marked; a deleted row is asked about."""
from datetime import date

import openpyxl
import pytest

from shared.services import sheet_edits, sheet_sync
from shared.sheet import layout
from tests.integration.test_kader import _register_new_child
from tests.integration.test_sheet_sync import TODAY, melati, rows_of, sheets  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

M = {c.key: i + 1 for i, c in enumerate(layout.MEASUREMENT_DATA)}  # column numbers of Pengukuran


def edit(sheets, sid, tab, row, **cells):
    """Change cells of one row as a kader would in LibreOffice (row None: type a new row at the end)."""
    wb = openpyxl.load_workbook(sheets.path(sid))
    ws = wb[tab]
    if row is None:
        row = max((r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value not in (None, "")), default=1) + 1
    for key, value in cells.items():
        ws.cell(row, M[key] if tab == layout.MEASUREMENTS else
                next(i + 1 for i, c in enumerate(layout.CHILD_DATA) if c.key == key), value)
    wb.save(sheets.path(sid))
    return row


def cell(sheets, sid, row, key):
    wb = openpyxl.load_workbook(sheets.path(sid))
    c = wb[layout.MEASUREMENTS].cell(row, M[key])
    return c.value, c.fill.fgColor.rgb if c.fill.fill_type else None


def tick(ports, sheets) -> dict:
    """One scheduler run's Sheet work: flush what waits, then reconcile."""
    out = sheet_sync.flush(ports.records, sheets, TODAY)
    out["reconcile"] = sheet_edits.reconcile_due(ports.records, sheets, TODAY, every_s=0)
    return out


@pytest.fixture
def ani(kader, ports, sheets, melati) -> int:  # noqa: F811
    """Ani measured by the kader in the chat, mirrored into the workbook (row 2)."""
    _register_new_child(kader)
    tick(ports, sheets)
    return ports.records.run("SELECT id FROM measurements")[0][0]


def test_a_corrected_weight_is_back_in_postgresql_and_assessed_again(ports, sheets, melati, ani):  # noqa: F811
    before = ports.records.run("SELECT assessment->'weight_for_age'->>'z' FROM measurements")[0][0]
    edit(sheets, melati, layout.MEASUREMENTS, 2, weight_kg="7,1")  # typed the way kader write it

    tick(ports, sheets)

    weight, z = ports.records.run("SELECT weight_kg, assessment->'weight_for_age'->>'z' FROM measurements")[0]
    assert float(weight) == 7.1 and float(z) < float(before)
    assert ports.records.run("SELECT actor, action, detail FROM audit_log WHERE action = 'measurement.correct'") == \
        [[f"sheet:posyandu:{ports.records.run('SELECT id FROM posyandu')[0][0]}", "measurement.correct",
          {"fields": ["weight_kg"]}]]
    tick(ports, sheets)  # the row is written back as Tumbuh stores it
    assert cell(sheets, melati, 2, "weight_kg")[0] == 7.1
    assert tick(ports, sheets)["reconcile"]["taken"] == 0  # and nothing is taken twice


def test_a_bad_edit_is_marked_with_the_reason_and_changes_nothing(ports, sheets, melati, ani):  # noqa: F811
    edit(sheets, melati, layout.MEASUREMENTS, 2, weight_kg=89, measure="duduk")

    tick(ports, sheets)
    tick(ports, sheets)  # the note waits in the outbox until the next flush

    assert float(ports.records.run("SELECT weight_kg FROM measurements")[0][0]) == 8.9
    note, fill = cell(sheets, melati, 2, "note")
    assert "BB (kg): Angka 89 kg sepertinya tidak tepat" in note and "Cara Ukur (PB/TB): isi PB" in note
    assert fill == "FFF4CCCC"
    tick(ports, sheets)  # read again, still wrong: marked once, not again at every run
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'sheet_note'")[0][0] == 1

    edit(sheets, melati, layout.MEASUREMENTS, 2, weight_kg="8,7", measure="PB")  # mended
    tick(ports, sheets)
    tick(ports, sheets)
    assert float(ports.records.run("SELECT weight_kg FROM measurements")[0][0]) == 8.7
    assert cell(sheets, melati, 2, "note") == (None, None)


def test_a_row_typed_in_the_sheet_becomes_a_measurement_entered_there_once(ports, sheets, melati, ani):  # noqa: F811
    row = edit(sheets, melati, layout.MEASUREMENTS, None, child_name="Ani", sex="P", birth_date=date(2024, 1, 3),
               measured_on=date(2025, 2, 10), weight_kg=8.5, lenhei_cm=76, measure="PB")

    tick(ports, sheets)
    tick(ports, sheets)
    tick(ports, sheets)

    stored = ports.records.run("SELECT id, source, measured_on FROM measurements ORDER BY measured_on")
    assert [(r[1], r[2]) for r in stored] == [("sheet", date(2025, 2, 10)), ("whatsapp", date(2025, 3, 10))]
    assert cell(sheets, melati, row, "row_id")[0] == stored[0][0]  # Tumbuh wrote its id into the kader's row
    assert cell(sheets, melati, row, "entered_by")[0] == "Kader (di Sheet)"
    assert cell(sheets, melati, row, "note") == (None, None)  # taken: no note, no mark
    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 1  # the same Ani, found by name and date
    # The March weighing now has a previous one: its N/T is known.
    assert ports.records.run("SELECT assessment->'gain'->>'code' FROM measurements WHERE source = 'whatsapp'") == \
        [["N"]]


def test_a_new_child_typed_in_the_sheet_joins_the_posyandu(ports, sheets, melati, ani):  # noqa: F811
    edit(sheets, melati, layout.MEASUREMENTS, None, child_name="Budi", sex="L", birth_date="5-6-2023",
         measured_on="10-3-2025", weight_kg=11, lenhei_cm=82, measure="TB")

    tick(ports, sheets)

    assert ports.records.run("SELECT name, sex, birth_date, posyandu_id IS NOT NULL FROM children WHERE name = 'Budi'") \
        == [["Budi", "M", date(2023, 6, 5), True]]
    tick(ports, sheets)
    budi = next(r for r in rows_of(sheets, melati, layout.CHILDREN) if r["name"] == "Budi")
    assert budi["registered_by"] == "Kader (di Sheet)"


def test_a_row_still_being_typed_says_what_it_lacks_without_alarm(ports, sheets, melati, ani):  # noqa: F811
    row = edit(sheets, melati, layout.MEASUREMENTS, None, child_name="Citra", weight_kg=9)

    tick(ports, sheets)
    tick(ports, sheets)

    note, fill = cell(sheets, melati, row, "note")
    assert note.startswith("Belum tersimpan di Tumbuh. Lengkapi: JK (L/P), Tgl Ukur, Tgl Lahir") and fill is None
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 1


def test_a_deleted_row_is_asked_about_and_restored_or_deleted_by_the_kader(kader, ports, sheets, melati, ani):  # noqa: F811,E501
    wb = openpyxl.load_workbook(sheets.path(melati))
    wb[layout.MEASUREMENTS].delete_rows(2)
    wb.save(sheets.path(melati))

    assert tick(ports, sheets)["reconcile"]["asked"] == 1
    assert tick(ports, sheets)["reconcile"]["asked"] == 0  # asked once
    sent = ports.records.run("SELECT payload->'body'->'interactive'->'action'->'buttons' FROM outbox "
                             "WHERE kind = 'send' AND payload->>'to' = %s", (kader.wa_id,))
    assert [b["reply"]["id"] for b in sent[0][0]] == [f"sheetdel:yes:{ani}", f"sheetdel:no:{ani}"]
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 1  # nothing deleted unasked

    assert kader.say(reply_id=f"sheetdel:no:{ani}")[0] == "sheet_delete_kept"
    tick(ports, sheets)
    assert [r["row_id"] for r in rows_of(sheets, melati, layout.MEASUREMENTS)] == [ani]

    assert kader.say(reply_id=f"sheetdel:yes:{ani}")[0] == "sheet_delete_done"
    tick(ports, sheets)
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 0
    assert rows_of(sheets, melati, layout.MEASUREMENTS) == []


def test_a_row_rewritten_as_another_child_is_refused_not_taken_as_a_rename(kader, ports, sheets, melati, ani):  # noqa: F811,E501
    edit(sheets, melati, layout.MEASUREMENTS, None, child_name="Budi", sex="L", birth_date=date(2023, 6, 5),
         measured_on=date(2025, 3, 10), weight_kg=11, lenhei_cm=82, measure="TB")
    tick(ports, sheets)
    tick(ports, sheets)
    edit(sheets, melati, layout.MEASUREMENTS, 2, child_name="Budi", sex="L", birth_date=date(2023, 6, 5))

    tick(ports, sheets)
    tick(ports, sheets)

    assert sorted(r[0] for r in ports.records.run("SELECT name FROM children")) == ["Ani", "Budi"]
    assert "sekarang menyebut anak lain" in cell(sheets, melati, 2, "note")[0]
    edit(sheets, melati, layout.MEASUREMENTS, 2, child_name="Anita", sex="P", birth_date=date(2024, 1, 3))
    tick(ports, sheets)  # a plain rename is taken
    assert sorted(r[0] for r in ports.records.run("SELECT name FROM children")) == ["Anita", "Budi"]
