"""Reminders on real PostgreSQL and Redis: planned once, sent once in local daytime, never to a family that said
STOP, never into a conversation, cancelled when the child was measured since; the family's taps are understood."""
import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.adapters.sheet_workbook import WorkbookSheets
from shared.services import reminders, sheet_edits, sheet_sync
from shared.sheet import layout
from shared.services.delivery import deliver_due
from shared.whatsapp.errors import StoppedBusinessMessages, error_for
from shared.whatsapp.outgoing import Text
from shared.whatsapp.payloads import build_message
from tests.integration.conftest import Chat
from tests.integration.test_sheet_sync import data_tabs

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

MEASURED = date(2025, 3, 10)  # the integration chats' day: Ani is measured then
MONTH_LATER = datetime(2025, 4, 10, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB, a month later


@pytest.fixture
def family(consented, ports) -> Chat:
    """A family whose daughter Ani (born 3 Jan 2024) was weighed on 10 March 2025."""
    consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70")
    for said in ("Ani", "@date:today", "@skip", "@skip"):
        consented.say(reply_id=said[1:]) if said.startswith("@") else consented.say(said)
    assert consented.say(reply_id="no")[0] == "result_header"
    return consented


def tick(ports, now: datetime) -> dict:
    today = now.astimezone(timezone(timedelta(hours=7))).date()
    return {"plan": reminders.plan(ports.records, today, ports.tz), "sent": reminders.send_due(ports, now)}


def reminder_rows(ports):
    return ports.records.run("SELECT kind, due_on, sent_at IS NOT NULL, cancel_reason FROM reminders ORDER BY id")


def queued(ports):
    return [r[0] for r in ports.records.run("SELECT payload FROM outbox WHERE kind = 'send' "
                                            "AND payload->>'kind' = 'reminder' ORDER BY id")]


def test_a_month_after_the_weighing_the_family_gets_one_reminder_with_quick_replies(family, ports):
    tick(ports, MONTH_LATER - timedelta(days=7))  # planned a week ahead, not sent before its day
    assert queued(ports) == []

    first = tick(ports, MONTH_LATER)
    again = tick(ports, MONTH_LATER + timedelta(minutes=5))

    assert first["sent"]["queued"] == 1 and again["sent"]["queued"] == 0
    assert reminder_rows(ports) == [["measurement", date(2025, 4, 10), True, None]]
    body = queued(ports)[0]["body"]
    # A month since the family last wrote: outside the 24-hour window, so the approved template.
    assert body["type"] == "template" and body["template"]["name"] == "pengingat_timbang"
    rid = ports.records.run("SELECT id FROM reminders")[0][0]
    buttons = [c["parameters"][0]["payload"] for c in body["template"]["components"] if c["type"] == "button"]
    assert buttons == [f"remind:done:{rid}", f"remind:later:{rid}", f"remind:stop:{rid}"]


def test_inside_the_window_it_is_a_message_with_buttons(family, ports):
    ports.records.run("UPDATE guardians SET last_inbound_at = %s", (MONTH_LATER - timedelta(hours=2),))

    tick(ports, MONTH_LATER)

    body = queued(ports)[0]["body"]
    assert body["type"] == "interactive" and "Ani" in body["interactive"]["body"]["text"]
    assert [b["reply"]["title"] for b in body["interactive"]["action"]["buttons"]] == \
        ["Sudah timbang", "Ingatkan besok", "Berhenti"]


def test_two_schedulers_at_once_send_each_reminder_once(family, ports):
    tick(ports, MONTH_LATER - timedelta(days=1))
    results = []

    def run():
        results.append(reminders.send_due(ports, MONTH_LATER))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(r["queued"] for r in results) == [0, 1] and len(queued(ports)) == 1


def test_at_night_and_in_a_conversation_it_waits(family, ports):
    night = datetime(2025, 4, 10, 15, 0, tzinfo=timezone.utc)  # 22:00 WIB
    tick(ports, night)
    assert queued(ports) == [] and ports.records.run("SELECT send_after FROM reminders")[0][0] == \
        datetime(2025, 4, 11, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB the next morning

    ports.conversations.save(family.wa_id, {"flow": "measure", "step": "weight", "slots": {}})
    assert tick(ports, datetime(2025, 4, 11, 2, 0, tzinfo=timezone.utc))["sent"] == \
        {"queued": 0, "waiting": 1, "cancelled": 0}
    ports.conversations.forget(family.wa_id)
    assert tick(ports, datetime(2025, 4, 11, 3, 0, tzinfo=timezone.utc))["sent"]["queued"] == 1


def test_stop_and_a_new_measurement_cancel_with_the_reason(family, ports):
    tick(ports, MONTH_LATER - timedelta(days=1))
    ports.records.run("UPDATE reminders SET send_after = %s", (MONTH_LATER,))
    assert family.say("STOP") == ["confirm_stop"]
    family.say(reply_id="yes")

    tick(ports, MONTH_LATER)

    assert reminder_rows(ports) == [["measurement", date(2025, 4, 10), False, "stop"]]
    ports.records.run("UPDATE guardians SET opted_out_at = NULL")
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, basis_on) "
                      "SELECT id, guardian_id, 'recheck', '2025-03-14', %s, '2025-03-01' FROM children",
                      (MONTH_LATER - timedelta(days=27),))  # planned from 1 March; Ani was measured on the 10th
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, basis_on) "
                      "SELECT id, guardian_id, 'recheck', '2025-03-24', %s, '2025-03-10' FROM children",
                      (MONTH_LATER,))  # due 17 days ago (the scheduler was down): the next one is planned instead
    tick(ports, MONTH_LATER)
    assert reminder_rows(ports)[-2:] == [["recheck", date(2025, 3, 14), False, "measured"],
                                         ["recheck", date(2025, 3, 24), False, "late"]]


def test_the_familys_taps_measure_snooze_or_stop(family, ports):
    ports.records.run("UPDATE guardians SET last_inbound_at = %s", (MONTH_LATER - timedelta(hours=1),))
    tick(ports, MONTH_LATER)
    rid = ports.records.run("SELECT id FROM reminders")[0][0]
    family.now = MONTH_LATER

    assert family.say(reply_id=f"remind:later:{rid}") == ["reminder_later_ok"]
    assert reminder_rows(ports)[-1][:2] == ["measurement", date(2025, 4, 11)]
    assert family.say(reply_id=f"remind:done:{rid}") == ["ask_measured_on"]  # measuring Ani, no name asked
    assert family.say("BATAL")[0] != "reminder_gone"
    assert family.say(reply_id=f"remind:stop:{rid}") == ["confirm_stop"]
    assert family.say(reply_id="remind:done:999999") == ["reminder_gone", "menu"]
    assert ports.records.run("SELECT answer FROM reminders WHERE id = %s", (rid,)) == [["stop"]]


def test_the_tick_command_runs_a_scheduler_tick_at_a_pretended_time(family, ports, database_url, redis_url,
                                                                    tmp_path):
    """`python -m shared.scheduler tick --now ...`: the documented way to see a reminder without waiting a month."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "TUMBUH_ENV": "local",
           "SHEET_DIR": str(tmp_path / "sheets"), "WHATSAPP_API_URL": "http://127.0.0.1:9/v21.0", "TASKS_QUEUE": ""}

    done = subprocess.run([sys.executable, "-m", "shared.scheduler", "tick", "--now", "2025-04-10T09:00+07:00"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    naive = subprocess.run([sys.executable, "-m", "shared.scheduler", "tick", "--now", "2025-04-10T09:00"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["reminders"]["decided"]["queued"] == 1
    assert len(queued(ports)) == 1
    assert naive.returncode == 2 and "time zone" in naive.stderr


def test_a_person_who_stopped_business_messages_gets_no_more_reminders(family, ports):
    """Meta's 131050 on a reminder: respected for everything unasked; pending reminders cancelled with the reason."""
    tick(ports, MONTH_LATER - timedelta(days=1))
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after) SELECT id, guardian_id, "
                      "'bulan_penimbangan', '2025-07-25', %s FROM children", (MONTH_LATER + timedelta(days=100),))
    tick(ports, MONTH_LATER)

    class Refusing(type(ports.messenger)):
        def send(self, body):
            raise StoppedBusinessMessages("Graph API error code 131050", code=131050, http_status=400)

    refusing = replace(ports, messenger=Refusing())
    deliver_due(refusing, MONTH_LATER)

    assert reminder_rows(ports)[-1] == ["bulan_penimbangan", date(2025, 7, 25), False, "stopped_business"]
    ports.records.run("UPDATE children SET reminders_planned_on = NULL")
    assert tick(ports, MONTH_LATER + timedelta(days=30))["plan"]["children"] == 0


def test_meta_131050_is_its_own_error():
    assert isinstance(error_for(400, {"code": 131050, "message": "User stopped marketing"}), StoppedBusinessMessages)


def test_an_unanswered_follow_up_goes_to_the_posyandus_kader_and_bidan_once(family, ports):
    """A *today* result: the next day "sudah dibawa ke puskesmas?"; no answer for a day, the kader and the bidan are
    told, once."""
    posyandu = ports.records.run("INSERT INTO posyandu (name) VALUES ('Melati') RETURNING id")[0][0]
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES ('6281300000009', 'Siti', 'kader', "
                      "%s), ('6281300000008', 'Rina', 'bidan', %s)", (posyandu, posyandu))
    ports.records.run("UPDATE children SET posyandu_id = %s", (posyandu,))
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, basis_on, sent_at) "
                      "SELECT id, guardian_id, 'followup', '2025-03-11', %s, '2025-03-10', %s FROM children",
                      (datetime(2025, 3, 11, 2, tzinfo=timezone.utc), datetime(2025, 3, 11, 2, tzinfo=timezone.utc)))

    early = reminders.pass_on_unanswered(ports, datetime(2025, 3, 11, 20, tzinfo=timezone.utc))
    first = reminders.pass_on_unanswered(ports, datetime(2025, 3, 12, 3, tzinfo=timezone.utc))
    again = reminders.pass_on_unanswered(ports, datetime(2025, 3, 13, 3, tzinfo=timezone.utc))

    assert (early, first, again) == (0, 1, 0)
    told = ports.records.run("SELECT payload->>'to', payload->'body'->'text'->>'body' FROM outbox "
                             "WHERE payload->>'kind' = 'staff_notice' ORDER BY id")
    assert [t[0] for t in told] == ["6281300000009", "6281300000008"] and "belum menjawab" in told[0][1]


def test_a_tick_sends_everything_due_within_its_budget_not_one_batch(family, ports):
    """Reminders are many at 08:00: a tick sends batch after batch (paced) until none is due."""
    for n in range(25):
        ports.records.run("INSERT INTO outbox (kind, payload, dedupe_key) VALUES ('send', %s, %s)",
                          (json.dumps({"to": family.wa_id, "body": build_message(family.wa_id, Text(f"{n}")),
                                       "kind": "reminder"}), f"bulk:{n}"))
    before = len(ports.messenger.sent)

    sent = deliver_due(ports, MONTH_LATER)

    assert sent >= 25 and len(ports.messenger.sent) - before == sent
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL")[0][0] == 0


def test_the_day_before_posyandu_each_kader_gets_the_list_once(kader, ports):
    """Posyandu Melati meets on the 12th: on the 11th at 09:00 each kader gets who is due, who missed last month,
    who needs attention, and a button that starts posyandu-day mode; never twice, never at night."""
    ports.records.run("UPDATE posyandu SET day_of_month = 12")
    pid = ports.records.run("SELECT id FROM posyandu")[0][0]
    ports.records.run("INSERT INTO children (name, sex, birth_date, posyandu_id) VALUES ('Ani', 'F', '2024-01-03', %s), "
                      "('Budi', 'M', '2023-06-05', %s), ('Citra', 'F', '2019-01-01', %s)", (pid, pid, pid))
    ports.records.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source, source_ref, assessment) "
                      "SELECT id, '2025-02-12', 8.0, 'whatsapp', 'w' || id, %s FROM children WHERE name = 'Ani'",
                      (json.dumps({"tier": "soon"}),))
    night = datetime(2025, 3, 10, 15, tzinfo=timezone.utc)  # 22:00 WIB on the 10th... and the 12th is not tomorrow
    morning = datetime(2025, 3, 11, 2, tzinfo=timezone.utc)  # 09:00 WIB on the 11th

    assert (reminders.kader_lists(ports, night), reminders.kader_lists(ports, morning),
            reminders.kader_lists(ports, morning + timedelta(hours=1))) == (0, 1, 0)
    body = ports.records.run("SELECT payload->'body'->'interactive' FROM outbox WHERE payload->>'to' = %s",
                             (kader.wa_id,))[0][0]
    text = body["body"]["text"]
    assert "Balita yang perlu ditimbang: *2*" in text  # Citra is past five
    assert "Belum ditimbang bulan lalu (O):* Budi" in text and "(berisiko atau 2T):* Ani" in text
    assert body["action"]["buttons"][0]["reply"]["id"] == "kader:measure"


def test_a_sender_killed_half_way_leaves_its_batch_for_the_next_which_sends_each_once(family, ports, database_url,
                                                                                      redis_url):
    """A scheduler process SIGKILLed while it holds reminders: its transaction never commits, nothing is queued or
    marked, and the next run queues each reminder exactly once."""
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after) SELECT c.id, "
                      "c.guardian_id, k, '2025-04-10', %s FROM children c, unnest(ARRAY['measurement', "
                      "'bulan_penimbangan']) k", (MONTH_LATER - timedelta(hours=1),))
    slow = (
        "import sys, time\n"
        "from datetime import datetime, timezone\n"
        "from shared.adapters.postgres import PostgresRecords, url_connector\n"
        "from shared.adapters.redis_store import RedisConversations\n"
        "from shared.ports import Ports\n"
        "from shared.services import reminders\n"
        "class Slow(RedisConversations):\n"
        "    def load(self, wa_id):\n"
        "        print('holding', flush=True); time.sleep(60)\n"
        "ports = Ports(PostgresRecords(url_connector(sys.argv[1])), Slow(sys.argv[2]), None)\n"
        "reminders.send_due(ports, datetime.fromisoformat(sys.argv[3]))\n")
    proc = subprocess.Popen([sys.executable, "-c", slow, database_url, redis_url, MONTH_LATER.isoformat()],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"  # inside its transaction, the reminders locked
        assert reminders.send_due(ports, MONTH_LATER)["queued"] == 0  # another sender skips what is locked
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()

    after = [reminders.send_due(ports, MONTH_LATER + timedelta(minutes=5 * i))["queued"] for i in range(3)]

    assert after == [1, 1, 0] and len(queued(ports)) == 2  # one a run to the same family (Meta's pace), each once


def test_the_posyandu_sheet_lists_the_reminders_to_come(family, ports, tmp_path):
    """Pengingat: what Tumbuh will remind the posyandu's families of in the next month, rewritten with each
    reconcile, so a kader sees who will be called."""
    pid = ports.records.run("INSERT INTO posyandu (name) VALUES ('Melati') RETURNING id")[0][0]
    ports.records.run("UPDATE children SET posyandu_id = %s", (pid,))
    sheets = WorkbookSheets(tmp_path / "sheets")
    sid = sheets.setup(None, "Posyandu Melati", data_tabs(), [])["spreadsheet_id"]
    ports.records.set_spreadsheet(pid, sid)
    today = MONTH_LATER.date() - timedelta(days=5)
    reminders.plan(ports.records, today, ports.tz)
    sheet_sync.flush(ports.records, sheets, today)

    sheet_edits.reconcile_due(ports.records, sheets, today, every_s=0)

    listed = sheets.read_rows(sid, "Pengingat", [c.header for c in layout.REMINDER_DATA])
    assert [r["values"][2:] for r in listed] == [["Ani", "Timbang bulanan", "2025-04-10"]]


def test_before_bulan_penimbangan_each_kader_gets_the_posyandus_children_once(kader, ports):
    pid = ports.records.run("SELECT id FROM posyandu")[0][0]
    ports.records.run("INSERT INTO children (name, sex, birth_date, posyandu_id) VALUES ('Ani', 'F', '2024-01-03', %s), "
                      "('Citra', 'F', '2020-12-01', %s)", (pid, pid))  # Citra is five on 1 February 2026
    called = datetime(2026, 1, 25, 2, tzinfo=timezone.utc)  # 09:00 WIB on 25 January

    counts = (reminders.bulan_penimbangan_lists(ports, called - timedelta(days=1)),
              reminders.bulan_penimbangan_lists(ports, called), reminders.bulan_penimbangan_lists(ports, called))

    assert counts == (0, 1, 0)
    text = ports.records.run("SELECT payload->'body'->'text'->>'body' FROM outbox WHERE payload->>'to' = %s",
                             (kader.wa_id,))[0][0]
    assert "mulai 1 Februari 2026" in text and "*1* balita" in text and "Ani" in text and "Citra" not in text


def test_a_family_with_two_children_due_gets_one_reminder_a_run(family, ports):
    """Meta paces messages to one person: the second child's reminder goes at the next run, not in the same second."""
    ports.records.run("INSERT INTO children (guardian_id, name, sex, birth_date) SELECT guardian_id, 'Budi', 'M', "
                      "'2023-06-05' FROM children")
    ports.records.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after) SELECT id, guardian_id, "
                      "'measurement', '2025-04-10', %s FROM children", (MONTH_LATER - timedelta(hours=1),))

    first = reminders.send_due(ports, MONTH_LATER)
    second = reminders.send_due(ports, MONTH_LATER + timedelta(minutes=5))

    assert (first["queued"], first["waiting"], second["queued"]) == (1, 1, 1)
