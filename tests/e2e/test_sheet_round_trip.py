"""The Sheet round trip with the real parts: the real apps_script/ code served by Node as Google serves the web app,
the real webhook served by functions-framework. A measurement reaches the posyandu's Sheet through the bridge; a
kader's edit there fires the edit trigger, whose signed POST reaches /sheet-edits and changes PostgreSQL."""
from datetime import date

import pytest
import requests

from shared.adapters.apps_script import AppsScriptBridge
from shared.adapters.postgres import PostgresRecords
from shared.services import sheet_setup, sheet_sync
from shared.sheet import layout
from tests.conftest import apps_script_standin
from tests.e2e.servers import serve

pytestmark = pytest.mark.e2e

BRIDGE_SECRET = "bridge-round-trip-secret-0123456789abcdef"
KADER_EMAIL = "siti@posyandu.test"
TODAY = date(2025, 3, 10)


@pytest.fixture
def records(migrated) -> PostgresRecords:
    return migrated


@pytest.fixture
def webhook(local_env, tmp_path):
    with serve(local_env, tmp_path / "webhook.log") as server:
        yield server


@pytest.fixture
def webapp(local_env):
    with apps_script_standin({"TUMBUH_SECRET": BRIDGE_SECRET,
                              "TUMBUH_EDIT_SECRET": local_env["SHEET_EDIT_SECRET"]}) as url:
        yield url


def test_a_measurement_goes_to_the_sheet_and_a_kader_edit_comes_back(records, webhook, webapp):
    posyandu = records.run("INSERT INTO posyandu (name) VALUES ('Melati') RETURNING id")[0][0]
    records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES ('6281300000009', 'Siti', 'kader', %s)",
                (posyandu,))
    child = records.run("INSERT INTO children (name, sex, birth_date, posyandu_id) VALUES ('Ani', 'F', '2024-01-03', "
                        "%s) RETURNING id", (posyandu,))[0][0]
    measurement = records.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source,"
                              " source_ref) VALUES (%s, '2025-03-10', 8.9, 78, 'l', 'whatsapp', 'w1') RETURNING id",
                              (child,))[0][0]
    bridge = AppsScriptBridge(f"{webapp}/macros/s/DEPLOYMENT/exec", BRIDGE_SECRET, timeout_s=30)

    class Setup:  # the real setup, with the trigger's URL pointing at the served webhook
        def __getattr__(self, name):
            return getattr(bridge, name)

        def setup(self, *args, **kw):
            return bridge.setup(*args, edit_url=webhook.url + "/sheet-edits", **kw)

    made = sheet_setup.set_up(records, Setup(), posyandu, editors=(KADER_EMAIL,))
    sid = made["spreadsheet_id"]
    assert made["trigger"] is True
    sheet_sync.flush(records, bridge, TODAY)
    rows = bridge.read_rows(sid, layout.MEASUREMENTS, [c.header for c in layout.MEASUREMENT_DATA])
    assert [(r["row"], r["values"][0], r["values"][2]) for r in rows] == [(2, measurement, "Ani")]

    weight_column = next(i for i, c in enumerate(layout.MEASUREMENT_DATA) if c.key == "weight_kg") + 1
    typed = requests.post(f"{webapp}/_standin/edit", json={"spreadsheet_id": sid, "tab": layout.MEASUREMENTS,
                                                           "row": 2, "column": weight_column, "values": ["9,4"],
                                                           "user": KADER_EMAIL}, timeout=60)

    assert typed.status_code == 200 and typed.json()["triggered"] is True
    assert float(records.run("SELECT weight_kg FROM measurements")[0][0]) == 9.4  # back in PostgreSQL at once
    assert records.run("SELECT action, detail FROM audit_log WHERE action = 'measurement.correct'") == \
        [["measurement.correct", {"fields": ["weight_kg"]}]]
    sheet_sync.flush(records, bridge, TODAY)  # and the row is written back as Tumbuh stores it
    row = bridge.read_rows(sid, layout.MEASUREMENTS, [c.header for c in layout.MEASUREMENT_DATA])[0]
    assert row["values"][weight_column - 1] == 9.4
