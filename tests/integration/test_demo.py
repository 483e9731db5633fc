"""scripts/demo.py: the demo posyandu with a kader and a bidan, added once to a real database, found by the product."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import demo, running
from shared.adapters.postgres import PostgresRecords, url_connector
from tests.integration.conftest import KADER, Chat

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIDAN = "6281300000008"


def _staff(records) -> list[list]:
    return records.run("SELECT s.wa_id, s.name, s.role, p.name, p.village, p.district FROM staff s "
                       "JOIN posyandu p ON p.id = s.posyandu_id ORDER BY s.wa_id")


def test_running_the_demo_twice_adds_everything_once(ports, database_url, capsys):
    """The second run finds the posyandu, the kader and the bidan and adds nothing, audit entries included."""
    demo.main(["--kader", KADER, "--bidan", BIDAN, "--database-url", database_url])
    first = capsys.readouterr().out

    demo.main(["--kader", KADER, "--bidan", BIDAN, "--database-url", database_url])
    second = capsys.readouterr().out

    assert _staff(ports.records) == [[BIDAN, "Rina", "bidan", "Melati", "Sukamaju", "Cibeber"],
                                     [KADER, "Siti", "kader", "Melati", "Sukamaju", "Cibeber"]]
    assert ports.records.run("SELECT count(*) FROM posyandu")[0][0] == 1
    assert ports.records.run("SELECT actor, action FROM audit_log WHERE entity = 'staff' ORDER BY id") == [
        ["demo", "staff.insert"], ["demo", "staff.insert"]]
    assert first.count("demo: added ") == 3 and "demo: found " not in first
    assert second.count("demo: found ") == 3 and "demo: added " not in second
    assert f"scripts/simulator.py --wa-id {KADER}" in second


def test_a_number_already_listed_is_left_as_it_is(ports, database_url, capsys):
    """A number that is already staff elsewhere keeps its role and posyandu; the demo says what it found."""
    pid = ports.records.run("INSERT INTO posyandu (name) VALUES ('Mawar') RETURNING id")[0][0]
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Ani', 'bidan', %s)",
                      (KADER, pid))

    demo.main(["--kader", KADER, "--database-url", database_url])

    assert ports.records.run("SELECT name, role, posyandu_id FROM staff WHERE wa_id = %s", (KADER,)) == [
        ["Ani", "bidan", pid]]
    assert f"found bidan Ani {KADER} (posyandu Mawar); left as it is" in capsys.readouterr().out


def test_the_demo_kader_and_bidan_are_staff_to_the_conversations(ports, database_url):
    """The rows the demo adds are what the product reads: both numbers get the staff menu, not the consent text."""
    demo.main(["--kader", KADER, "--bidan", BIDAN, "--database-url", database_url])

    assert Chat(ports, wa_id=KADER).say("MENU") == ["kader_menu"]
    assert Chat(ports, wa_id=BIDAN).say("MENU") == ["kader_menu"]


def test_the_demo_finds_the_database_of_the_running_make_run(database_url, tmp_path):
    """Without DATABASE_URL the command writes to the database the run file names, as `make demo-kader` does."""
    run_file = tmp_path / "running.json"
    running.publish({"webhook": "http://127.0.0.1:1"}, database_url, path=run_file)  # this test process: alive
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TUMBUH_RUN_FILE"] = str(run_file)

    done = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py"), "--kader", "6281300000077"],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert "demo: added kader Siti 6281300000077" in done.stdout
    records = PostgresRecords(url_connector(database_url))
    assert records.run("SELECT role FROM staff WHERE wa_id = '6281300000077'") == [["kader"]]
    records.discard()


def test_without_a_run_the_demo_says_how_to_start_one(tmp_path):
    """No DATABASE_URL and no live run (the run file's process is gone): a clear exit, not a stack trace."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run_file = tmp_path / "running.json"
    run_file.write_text(f'{{"pid": {gone.pid}, "database_url": "postgresql://tumbuh@127.0.0.1:1/tumbuh"}}')
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TUMBUH_RUN_FILE"] = str(run_file)

    done = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert "start `make run` first" in done.stderr and "Traceback" not in done.stderr
