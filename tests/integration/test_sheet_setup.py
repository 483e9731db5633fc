"""A posyandu's workbook set up whole (tabs, formulas, WHO tables, staff), and what a local user sees when they
open it in LibreOffice after a kader measured a child in the chat: the row, its status and the month's recap."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from shared.services import sheet_setup, sheet_sync
from shared.sheet import layout, recalc, who_tabs
from tests.integration.test_kader import _register_new_child
from tests.integration.test_sheet_sync import TODAY, sheets  # noqa: F401 - fixture

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def posyandu(kader, ports) -> int:
    return ports.records.run("SELECT id FROM posyandu WHERE name = 'Melati'")[0][0]


def test_setup_makes_every_tab_once_and_queues_the_register(kader, ports, sheets, posyandu):  # noqa: F811
    _register_new_child(kader)

    first = sheet_setup.set_up(ports.records, sheets, posyandu)
    again = sheet_setup.set_up(ports.records, sheets, posyandu)

    assert first["spreadsheet_id"] == again["spreadsheet_id"] == "tumbuh-posyandu-melati"
    assert first["queued"] == 2  # Ani and her measurement
    wb = openpyxl.load_workbook(sheets.path(first["spreadsheet_id"]))
    assert wb.sheetnames[:5] == [layout.MEASUREMENTS, layout.CHILDREN, layout.RECAP, layout.REMINDERS, layout.STAFF]
    assert {n for n in wb.sheetnames if n.startswith("WHO ")} == {"WHO lhfa", "WHO wfa", "WHO wfl", "WHO wfh",
                                                                  "WHO bmi", "WHO acfa", "WHO hcfa"}
    assert wb["WHO lhfa"].max_row == 1 + len(who_tabs.tab_rows("lhfa"))  # written once, not again by the second setup
    assert [[c.value for c in r] for r in wb[layout.STAFF].iter_rows(min_row=2)] == [[1, "Siti", "Kader"]]
    assert ports.records.posyandu_sheets() == [(posyandu, "Melati", "tumbuh-posyandu-melati")]


def test_the_local_workbook_shows_the_childs_status_and_the_recap_in_libreoffice(kader, ports, sheets, posyandu):  # noqa: F811,E501
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed: run `make test`, which installs it")
    sid = sheet_setup.set_up(ports.records, sheets, posyandu)["spreadsheet_id"]
    _register_new_child(kader)  # Ani, 14 months, 8.9 kg, 78 cm lying

    sheet_sync.flush(ports.records, sheets, TODAY)

    measured = recalc.recalculated(sheets.path(sid), layout.MEASUREMENTS)
    row = dict(zip(measured[0], measured[1]))
    assert (row["Nama Anak"], row["Umur (bln)"], row["Status PB/U-TB/U"], row["Status BB/U"]) == \
        ("Ani", "14", "normal", "berat badan normal")
    assert row["Tindak Lanjut"] == "rutin"
    recap = recalc.recalculated(sheets.path(sid), layout.RECAP)
    total = dict(zip(recap[0], next(r for r in recap[1:] if r[0] == "2025-03-01" and r[1].startswith("Semua"))))
    assert (total["S"], total["D"], total["D/S (%)"]) == ("1", "1", "100")


def test_the_setup_command_sets_up_lists_and_flushes(kader, ports, database_url, tmp_path, posyandu):
    """`python -m scripts.sheet`: what an operator runs to give a posyandu its spreadsheet."""
    _register_new_child(kader)
    env = {**os.environ, "DATABASE_URL": database_url, "SHEET_DIR": str(tmp_path / "sheets"), "TUMBUH_ENV": "local"}
    env.pop("APPS_SCRIPT_URL", None)

    def sheet(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "scripts.sheet", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120)

    made = sheet("setup", "--posyandu", str(posyandu))
    listed = sheet("list")
    flushed = sheet("flush")
    unknown = sheet("setup", "--posyandu", "999")

    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["queued"] == 2
    assert json.loads(listed.stdout) == [{"posyandu_id": posyandu, "name": "Melati",
                                          "spreadsheet_id": "tumbuh-posyandu-melati"}]
    assert json.loads(flushed.stdout)["rows"] == 2
    assert (tmp_path / "sheets" / "tumbuh-posyandu-melati.xlsx").exists()
    assert unknown.returncode == 1 and "no posyandu 999" in unknown.stderr
