"""`python -m shared.ops subject` as an operator runs it for a request that did not come through the chat: a real
process on real PostgreSQL and Redis. export holds everything about the number and nothing about anyone else;
delete does what HAPUS does (the same function), and only with --confirm; an unknown number changes nothing."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.adapters.redis_store import RedisConversations

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PSEUDONYM_KEY = "7c41e09b5d2fa8836e1b04c9d75f2a3be8c0916d"
PARENT = "6281277700001"
TYPED = "0812-7770-0001"  # the same number as a letter or the puskesmas writes it
OTHER = "6281277700002"
STRANGER = "6281277709999"
STATE = {"flow": "measure", "step": "ask_weight", "slots": {"name": "Eka"}, "retries": 0}
TABLES = ("guardians", "children", "measurements", "reminders", "outbound_messages", "inbound_messages",
          "claim_refusals", "outbox", "audit_log")


def wa_hash(wa_id: str) -> str:
    """shared.logs.wa_hash under the deployment's key the command is given (this process has its own key)."""
    return hmac.new(PSEUDONYM_KEY.encode(), wa_id.encode(), hashlib.sha256).hexdigest()[:16]


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shared.ops", "subject", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(migrated, local_env) -> dict:
    return {**os.environ, **local_env, "PSEUDONYM_KEY": PSEUDONYM_KEY, "LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture
def seeded(migrated, redis_url) -> dict:
    """A family in two posyandu (Ani and Budi), a child a kader registered with its number (Citra, unconfirmed),
    a reminder, messages both ways, a refusal; and another family (Dewi's)."""
    run = migrated.run
    melati, mawar = (run("INSERT INTO posyandu (name) VALUES (%s) RETURNING id", (name,))[0][0]
                     for name in ("Melati", "Mawar"))
    staff = run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES ('6281300000009', 'Siti', 'kader', %s) "
                "RETURNING id", (melati,))[0][0]
    guardian, other = (run("INSERT INTO guardians (wa_id, consent_at, consent_version) VALUES (%s, now(), "
                           "'2026-11-v2') RETURNING id", (wa_id,))[0][0] for wa_id in (PARENT, OTHER))
    child = {}
    for name, owner, posyandu, claimed in (("Ani", guardian, melati, None), ("Budi", guardian, mawar, None),
                                           ("Citra", None, melati, PARENT), ("Dewi", other, melati, None)):
        child[name] = run("INSERT INTO children (guardian_id, posyandu_id, name, sex, birth_date, parent_wa_id, "
                          "registered_by) VALUES (%s, %s, %s, 'F', '2024-01-03', %s, %s) RETURNING id",
                          (owner, posyandu, name, claimed, staff if owner is None else None))[0][0]
    measured = {}
    for name, on in (("Ani", "2025-01-10"), ("Ani", "2025-02-10"), ("Budi", "2025-02-11"), ("Citra", "2025-02-12"),
                     ("Dewi", "2025-02-13")):
        measured.setdefault(name, []).append(run(
            "INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, assessment) "
            "VALUES (%s, %s, 8.1, 70.2, 'l', 'whatsapp', %s) RETURNING id",
            (child[name], on, json.dumps({"haz": -1.23, "tier": "ok"})))[0][0])
    run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after) VALUES (%s, %s, 'measurement', "
        "'2025-03-10', '2025-03-10T01:00Z')", (child["Ani"], guardian))
    run("INSERT INTO outbound_messages (wamid, guardian_id, kind, status) VALUES ('wamid.out1', %s, 'result', "
        "'delivered')", (guardian,))
    run("INSERT INTO outbox (kind, payload, next_attempt_at) VALUES ('send', %s, now() + interval '1 day')",
        (json.dumps({"to": PARENT, "body": {"text": {"body": "Ani: hasil"}}}),))
    run("INSERT INTO inbound_messages (wamid, wa_hash, kind) VALUES ('wamid.in1', %s, 'text')", (wa_hash(PARENT),))
    run("INSERT INTO claim_refusals (wa_hash) VALUES (%s)", (wa_hash(PARENT),))
    run("INSERT INTO audit_log (actor, action, entity, entity_id) VALUES (%s, 'child.create', 'child', %s)",
        (f"staff:{staff}", child["Ani"]))
    return {"melati": melati, "mawar": mawar, "guardian": guardian, "child": child, "measured": measured,
            "conversations": RedisConversations(redis_url)}


def converse(seeded: dict) -> RedisConversations:
    """Both families in the middle of a conversation. Saved just before the command runs: other test runs on this
    machine share Redis's database indexes and flush them around their own tests."""
    conversations = seeded["conversations"]
    conversations.save(PARENT, STATE)
    conversations.save(OTHER, STATE)
    return conversations


def snapshot(db) -> dict:
    """Every row of the tables a request could touch (the audit log included), to show that nothing changed."""
    return {table: sorted(map(repr, db.run(f"SELECT * FROM {table}"))) for table in TABLES}


def test_export_holds_everything_about_the_number_for_the_operator_only(env, seeded, migrated, tmp_path):
    """The file (mode 600) holds the family's children with every measurement and its assessment, the claim
    without its measurements, reminders, messages without bodies and the audit by actor kind; nothing of the other
    family; the export is audited; the log lines carry the pseudonym, never the number."""
    out = tmp_path / "family.json"
    converse(seeded)

    done = _cli(env, "export", "--number", TYPED, "--out", str(out))

    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    doc = json.loads(out.read_text())
    assert doc["number"] == PARENT and doc["family"]["consent_version"] == "2026-11-v2"
    ani, budi = doc["children"]
    assert (ani["name"], ani["posyandu"], budi["name"], budi["posyandu"]) == ("Ani", "Melati", "Budi", "Mawar")
    assert [m["id"] for m in ani["measurements"]] == seeded["measured"]["Ani"]  # oldest first
    assert ani["measurements"][0]["measured_on"] == "2025-01-10"
    assert ani["measurements"][0]["assessment"] == {"haz": -1.23, "tier": "ok"}
    assert [(c["name"], c["measurement_count"]) for c in doc["claims"]] == [("Citra", 1)]
    assert [(r["child"], r["kind"], r["due_on"]) for r in doc["reminders"]] == [("Ani", "measurement", "2025-03-10")]
    assert [(m["kind"], m["status"]) for m in doc["messages_sent"]] == [("result", "delivered")]
    assert "body" not in doc["messages_sent"][0] and doc["messages_waiting"] == 1
    assert [m["kind"] for m in doc["messages_received"]] == ["text"] and doc["claims_refused_at"]
    assert doc["conversation_in_progress"] == STATE
    assert {"action": "child.create", "entity": "child", "entity_id": seeded["child"]["Ani"],
            "actor": "staff"} in [{k: a[k] for k in ("action", "entity", "entity_id", "actor")} for a in doc["audit"]]
    assert "Dewi" not in out.read_text() and OTHER not in out.read_text()
    assert migrated.run("SELECT actor, entity, entity_id FROM audit_log WHERE action = 'data.export'") == [
        ["operator", "guardian", seeded["guardian"]]]
    assert wa_hash(PARENT) in done.stderr and PARENT not in done.stderr


def test_export_never_overwrites_a_file_and_prints_without_one(env, seeded, migrated, tmp_path):
    """An existing file stops the export before anything is read (exit 1, file untouched, nothing audited);
    without --out the document is printed."""
    out = tmp_path / "family.json"
    out.write_text("earlier")

    refused = _cli(env, "export", "--number", TYPED, "--out", str(out))
    printed = _cli(env, "export", "--number", PARENT)

    assert refused.returncode == 1 and "exists" in refused.stderr and "Traceback" not in refused.stderr
    assert out.read_text() == "earlier"
    assert printed.returncode == 0 and json.loads(printed.stdout)["children"][0]["name"] == "Ani"
    assert migrated.run("SELECT count(*) FROM audit_log WHERE action = 'data.export'")[0][0] == 1


def test_delete_without_confirm_only_shows_what_would_go(env, seeded, migrated):
    """Exit 2, the counts on stdout, and every row and the conversation as they were."""
    before = snapshot(migrated)
    conversations = converse(seeded)

    shown = _cli(env, "delete", "--number", TYPED)

    assert shown.returncode == 2 and "--confirm" in shown.stderr
    assert json.loads(shown.stdout)["would_delete"] == {
        "family": 1, "children": 2, "claimed_children": 1, "measurements": 4, "reminders": 1, "messages_sent": 1,
        "messages_waiting": 1, "claim_refusal": 1, "conversation": 1}
    assert snapshot(migrated) == before
    assert conversations.load(PARENT) == STATE


def test_delete_with_confirm_does_what_hapus_does(env, seeded, migrated):
    """The family, its children (the claimed one too), their measurements, reminders, messages and the refusal go;
    one sheet_delete per posyandu is queued; family.delete is audited by the operator with HAPUS's detail; the
    conversation is forgotten; the other family is untouched; the output says what backups still hold."""
    child, measured = seeded["child"], seeded["measured"]
    conversations = converse(seeded)

    done = _cli(env, "delete", "--number", TYPED, "--confirm")

    assert done.returncode == 0, done.stderr
    deleted = json.loads(done.stdout)["deleted"]
    assert (deleted["family"], deleted["children"], deleted["measurements"], deleted["claim_refusal"],
            deleted["sheet_deletions_queued"]) == (1, 3, 4, 1, 2)
    assert "--reapply-deletions-from" in done.stdout and "Backups made before" in done.stdout
    left = migrated.run("SELECT (SELECT array_agg(wa_id) FROM guardians), (SELECT array_agg(name) FROM children), "
                        "(SELECT array_agg(id) FROM measurements), (SELECT count(*) FROM reminders), "
                        "(SELECT count(*) FROM outbound_messages), (SELECT count(*) FROM claim_refusals), "
                        "(SELECT count(*) FROM outbox WHERE kind = 'send')")[0]
    assert left == [[OTHER], ["Dewi"], measured["Dewi"], 0, 0, 0, 0]
    deletes = migrated.run("SELECT payload, dedupe_key FROM outbox WHERE kind = 'sheet_delete' "
                           "ORDER BY (payload->>'posyandu_id')::bigint")
    assert [d[0] for d in deletes] == [
        {"posyandu_id": seeded["melati"], "child_ids": [child["Ani"], child["Citra"]],
         "measurement_ids": measured["Ani"] + measured["Citra"]},
        {"posyandu_id": seeded["mawar"], "child_ids": [child["Budi"]], "measurement_ids": measured["Budi"]}]
    assert all(d[1].startswith("delete:operator:") for d in deletes)
    assert migrated.run("SELECT actor, entity, entity_id, detail FROM audit_log WHERE action = 'family.delete'") == [
        ["operator", "guardian", seeded["guardian"],
         {"children": sorted([child["Ani"], child["Budi"], child["Citra"]]), "measurements": 4}]]
    assert conversations.load(PARENT) is None and conversations.load(OTHER) == STATE


def test_an_unknown_number_changes_nothing(env, seeded, migrated, tmp_path):
    """Export and a confirmed delete of a number Tumbuh does not know: exit 0, said plainly, no file, no row."""
    before = snapshot(migrated)
    out = tmp_path / "stranger.json"

    exported = _cli(env, "export", "--number", STRANGER, "--out", str(out))
    deleted = _cli(env, "delete", "--number", STRANGER, "--confirm")

    assert (exported.returncode, exported.stdout, deleted.returncode, deleted.stdout) == (0, "", 0, "")
    assert "holds nothing" in exported.stderr and "holds nothing" in deleted.stderr
    assert not out.exists()
    assert snapshot(migrated) == before


def test_a_number_that_is_not_one_is_a_usage_mistake(env, seeded, migrated):
    """Not an Indonesian mobile number: exit 2 with how to write one, and nothing read or changed."""
    before = snapshot(migrated)

    wrong = _cli(env, "delete", "--number", "12345", "--confirm")

    assert wrong.returncode == 2 and "0812-3456-7890" in wrong.stderr
    assert snapshot(migrated) == before


def test_hapus_in_the_chat_deletes_and_audits_as_before(consented, ports):
    """The chat's HAPUS, through the shared deletion: the family.delete entry by the guardian with the children and
    the measurement count, the Sheet's delete keyed by the message, the conversation forgotten."""
    run = ports.records.run
    guardian = run("SELECT id FROM guardians")[0][0]
    posyandu = run("INSERT INTO posyandu (name) VALUES ('Melati') RETURNING id")[0][0]
    child = run("INSERT INTO children (guardian_id, posyandu_id, name, sex, birth_date) VALUES (%s, %s, 'Ani', 'F', "
                "'2024-01-03') RETURNING id", (guardian, posyandu))[0][0]
    measurement = run("INSERT INTO measurements (child_id, measured_on, weight_kg, source) VALUES (%s, "
                      "'2025-02-10', 8.1, 'whatsapp') RETURNING id", (child,))[0][0]
    assert consented.say("HAPUS") == ["confirm_delete"]

    assert consented.say(reply_id="delete:yes") == ["delete_done"]

    assert run("SELECT actor, entity, entity_id, detail FROM audit_log WHERE action = 'family.delete'") == [
        [f"guardian:{guardian}", "guardian", guardian, {"children": [child], "measurements": 1}]]
    assert run("SELECT payload, dedupe_key FROM outbox WHERE kind = 'sheet_delete'") == [
        [{"posyandu_id": posyandu, "child_ids": [child], "measurement_ids": [measurement]},
         f"delete:wamid.{consented.wa_id}.4:{posyandu}"]]  # Halo, consent, HAPUS, yes: the 4th message
    assert ports.conversations.load(consented.wa_id) is None


def test_hapus_of_a_family_without_children_is_audited_too(consented, ports):
    """Consent alone is a family record: its deletion is audited, with no children and no measurements."""
    guardian = ports.records.run("SELECT id FROM guardians")[0][0]
    consented.say("HAPUS")

    assert consented.say(reply_id="delete:yes") == ["delete_done"]

    assert ports.records.run("SELECT actor, entity_id, detail FROM audit_log WHERE action = 'family.delete'") == [
        [f"guardian:{guardian}", guardian, {"children": [], "measurements": 0}]]
