"""The reconcile's reader through the Sheets API (gspread), against the Node stand-in's values.get on the same
in-memory spreadsheets the real apps_script/ code writes: it reads what the bridge reads, refuses what it cannot
read by the bridge's words, and a reconcile through it takes a kader's edit."""
import itertools
from datetime import date

import pytest
import requests

from shared.adapters.postgres import PostgresRecords
from shared.adapters.sheets_api import SheetsApiReader, SheetsApiRefused, SheetsApiTransient
from shared.services import sheet_edits, sheet_setup, sheet_sync
from shared.sheet import layout
from tests.integration.test_apps_script_bridge import KADER, bridge, webapp  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

HEADERS = [c.header for c in layout.MEASUREMENT_DATA]
POSYANDU_IDS = itertools.count(1000)
TODAY = date(2025, 3, 10)


@pytest.fixture
def records(migrated) -> PostgresRecords:
    return migrated


@pytest.fixture
def posyandu(records, webapp):  # noqa: F811
    """A posyandu with Ani measured, set up and mirrored through the bridge: (posyandu id, spreadsheet id)."""
    # An id of its own: the stand-in lives for the whole module and setup finds a spreadsheet by "posyandu:<id>".
    pid = records.run("INSERT INTO posyandu (id, name) VALUES (%s, 'Melati') RETURNING id",
                      (next(POSYANDU_IDS),))[0][0]
    child = records.run("INSERT INTO children (name, sex, birth_date, posyandu_id) VALUES ('Ani', 'F', '2024-01-03', "
                        "%s) RETURNING id", (pid,))[0][0]
    records.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, source_ref) "
                "VALUES (%s, '2025-03-10', 8.9, 78, 'l', 'whatsapp', 'w1')", (child,))
    sid = sheet_setup.set_up(records, bridge(webapp), pid, editors=(KADER,))["spreadsheet_id"]
    sheet_sync.flush(records, bridge(webapp), TODAY)
    return pid, sid


def kader_types(root, sid, row, column_key, value):
    column = next(i for i, c in enumerate(layout.MEASUREMENT_DATA) if c.key == column_key) + 1
    answer = requests.post(f"{root}/_standin/edit", json={"spreadsheet_id": sid, "tab": layout.MEASUREMENTS,
                                                          "row": row, "column": column, "values": [value],
                                                          "user": KADER}, timeout=30)
    assert answer.status_code == 200, answer.text


def test_it_reads_what_the_bridge_reads(webapp, posyandu):  # noqa: F811
    _, sid = posyandu
    kader_types(webapp, sid, 4, "child_name", "Budi")  # a row below an empty one, still being typed
    kader_types(webapp, sid, 4, "birth_date", "12/12/2024")  # a date typed as text stays text

    through_api = SheetsApiReader(webapp).read_rows(sid, layout.MEASUREMENTS, HEADERS)

    assert through_api == bridge(webapp).read_rows(sid, layout.MEASUREMENTS, HEADERS)
    assert [(r["row"], r["values"][2], r["values"][4]) for r in through_api] == [(2, "Ani", "2024-01-03"),
                                                                                (4, "Budi", "12/12/2024")]


def test_what_it_cannot_read_is_named_as_the_bridge_names_it(webapp, posyandu):  # noqa: F811
    _, sid = posyandu
    reader = SheetsApiReader(webapp)

    with pytest.raises(SheetsApiRefused) as gone:
        reader.read_rows("no-such-spreadsheet", layout.MEASUREMENTS, HEADERS)
    with pytest.raises(SheetsApiRefused) as moved:
        reader.read_rows(sid, layout.MEASUREMENTS, ["Nama", *HEADERS[1:]])
    with pytest.raises(SheetsApiRefused) as no_tab:
        reader.read_rows(sid, "Lembar Lain", HEADERS)
    with pytest.raises(SheetsApiTransient):
        SheetsApiReader("http://127.0.0.1:9").read_rows(sid, layout.MEASUREMENTS, HEADERS)

    assert (gone.value.reason, moved.value.reason, no_tab.value.reason) == ("bad_spreadsheet", "bad_layout",
                                                                            "bad_unknown_tab")


def test_a_reconcile_through_the_api_takes_a_kader_edit(records, webapp, posyandu):  # noqa: F811
    _, sid = posyandu
    kader_types(webapp, sid, 2, "weight_kg", "9,2")

    done = sheet_edits.reconcile(records, bridge(webapp), sid, TODAY, reader=SheetsApiReader(webapp))

    assert done["taken"] == 1 and float(records.run("SELECT weight_kg FROM measurements")[0][0]) == 9.2


def test_an_edit_whose_push_failed_is_taken_from_the_change_log_at_the_next_run(records, webapp, posyandu):  # noqa: F811,E501
    """The trigger logs the edit before its POST; nothing listens at Tumbuh's URL, yet the next run has it."""
    _, sid = posyandu
    kader_types(webapp, sid, 2, "weight_kg", "9,3")  # the push goes nowhere (no TUMBUH_EDIT_URL set up)

    first = sheet_edits.catch_up(records, bridge(webapp), TODAY)
    again = sheet_edits.catch_up(records, bridge(webapp), TODAY)

    assert float(records.run("SELECT weight_kg FROM measurements")[0][0]) == 9.3
    assert (first["rows"], again["rows"]) == (1, 0)  # the cursor moved on
    assert records.run("SELECT sheet_cursor FROM posyandu")[0][0] > 0
