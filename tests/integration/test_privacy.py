"""Privacy in the conversation (UU 27/2022): HAPUS reaches what a kader entered, a kader's parent number is a claim
the parent confirms, DATA SAYA and UBAH DATA, a new consent text asks again, kader keep going on posyandu day, and
the audit trail of a posyandu day holds ids only."""
import json
from datetime import timedelta

import pytest

from shared.flows.messages import render
from shared.services import conversation
from shared.services.conversation import CONSENT_VERSION
from tests.integration.conftest import KADER, Chat

pytestmark = pytest.mark.integration

PARENT = "6281200000001"
STRANGER = "6281255550000"


def register(kader: Chat, name: str = "Ani", parent: str = "0812 0000 0001", birth: str = "3-1-2024") -> list[str]:
    """A kader registers and measures a new child, giving a parent number (or skipping it with parent='')."""
    kader.say("MENU")
    kader.say(reply_id="kader:measure")
    kader.say(reply_id="child:new")
    kader.say(name)
    kader.say("P")
    kader.say(birth)
    kader.say(reply_id="skip") if not parent else kader.say(parent)
    keys = []
    for said in ("@date:today", "8,9", "78", "@measure:l", "@skip", "@skip", "@no"):
        keys = kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    return keys


def consent(ports, wa_id: str) -> Chat:
    chat = Chat(ports, wa_id=wa_id)
    chat.say("Halo")
    chat.say(reply_id="consent:yes")
    return chat


ANSWERS = {"ask_child_name": None, "ask_posyandu": "@skip", "ask_measured_on": "@date:today", "ask_headc": "@skip",
           "ask_armc": "@skip", "ask_oedema": "@no"}


def quick_child(chat: Chat, name: str = "Ani") -> list[str]:
    """A parent sends a child's data in one message and answers the rest: the child and a measurement are stored."""
    keys = chat.say("cewek lahir 3-1-2024 bb 8,0 pb 70")
    while keys and keys[-1] in ANSWERS:
        said = ANSWERS[keys[-1]] or name
        keys = chat.say(reply_id=said[1:]) if said.startswith("@") else chat.say(said)
    assert keys[0] == "result_header", keys
    return keys


def child_id(ports, name: str = "Ani") -> int:
    return ports.records.run("SELECT id FROM children WHERE name = %s", (name,))[0][0]


def sent_to(ports, wa_id: str, since: int = 0) -> list[str]:
    return [getattr(m, "body", "") or getattr(m, "name", "") for to, m in ports.messenger.sent[since:] if to == wa_id]


# --- HAPUS reaches what a kader entered -------------------------------------------------------------------------

def test_hapus_from_a_number_that_never_consented_deletes_the_children_a_kader_registered_with_it(kader, ports):
    """The number R was typed by a kader; R never consented; R's HAPUS deletes the child and its measurements, the
    Sheet is told, and the answer says what went (it used to say "no data about this number")."""
    register(kader, parent="0812 0000 0001")
    parent = Chat(ports, wa_id=PARENT)

    assert parent.say("HAPUS") == ["confirm_delete"]
    assert parent.say(reply_id="delete:yes") == ["delete_done"]

    assert ports.records.run("SELECT (SELECT count(*) FROM children), (SELECT count(*) FROM measurements), "
                             "(SELECT count(*) FROM outbox WHERE kind = 'sheet_delete')")[0] == [0, 0, 1]
    answer = sent_to(ports, PARENT)[-1]
    assert "1 anak" in answer and "1 hasil ukur" in answer and "data keluarga" not in answer
    assert ports.conversations.load(PARENT) is None


def test_hapus_of_a_consented_family_also_deletes_children_still_claimed_for_its_number(kader, ports):
    """A family's HAPUS takes its own children and the ones a kader registered with its number, unconfirmed."""
    parent = consent(ports, PARENT)
    quick_child(parent, "Budi")
    register(kader, name="Ani")  # claimed for the parent's number, not confirmed

    parent.say("HAPUS")
    parent.say(reply_id="delete:yes")

    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 0
    answer = sent_to(ports, PARENT)[-1]
    assert "data keluarga" in answer and "2 anak" in answer and "2 hasil ukur" in answer


def test_hapus_with_nothing_stored_says_so_truly(ports):
    assert Chat(ports, wa_id=STRANGER).say("HAPUS") == ["nothing_to_delete"]


def test_a_later_consent_does_not_attach_children_deleted_by_hapus(kader, ports):
    register(kader)
    parent = Chat(ports, wa_id=PARENT)
    parent.say("HAPUS")
    parent.say(reply_id="delete:yes")

    parent.say("Halo")
    assert parent.say(reply_id="consent:yes") == ["consent_thanks", "menu"]
    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 0


# --- a kader's parent number is a claim -------------------------------------------------------------------------

def test_a_kader_cannot_push_a_child_into_a_consented_family(kader, ports):
    """The family is asked "is Ani, born 3 January 2024, your child?" and nothing else: no result, no child in
    their list, until they say yes."""
    parent = consent(ports, PARENT)
    before = len(ports.messenger.sent)

    register(kader)

    (question,) = sent_to(ports, PARENT, before)
    assert "Apakah *Ani*, lahir 3 Januari 2024, anak Anda?" in question
    assert "BB" not in question and "kg" not in question  # no result
    assert parent.say(reply_id="menu:children") == ["no_children", "menu"]
    assert ports.records.run("SELECT guardian_id, parent_wa_id FROM children") == [[None, PARENT]]


def test_the_kader_is_told_the_same_whether_or_not_the_number_uses_tumbuh(ports, kader):
    consent(ports, PARENT)
    registered = register(kader, name="Ani", parent="0812 0000 0001")
    unknown = register(kader, name="Bela", parent="0812 5555 0000")

    assert registered == unknown
    assert "kader_parent_claim_noted" in registered and "kader_parent_notified" not in registered


def test_yes_links_the_child_and_later_results_reach_the_parent(kader, ports):
    parent = consent(ports, PARENT)
    register(kader)

    assert parent.say(reply_id=f"claim:yes:{child_id(ports)}") == ["claim_linked", "menu"]
    assert ports.records.run("SELECT guardian_id IS NOT NULL, parent_wa_id FROM children") == [[True, None]]
    before = len(ports.messenger.sent)
    kader.say("MENU")
    kader.say(reply_id="kader:measure")
    kader.say("Ani")
    kader.say(reply_id="yes")  # "Betul Ani (3/1/24)?"
    for said in ("@date:today", "9", "78", "@measure:l", "@skip", "@skip", "@no"):
        kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    assert any("Kader posyandu baru saja mengukur Ani" in body for body in sent_to(ports, PARENT, before))


def test_no_drops_the_number_and_a_second_tap_changes_nothing(kader, ports):
    parent = consent(ports, PARENT)
    register(kader)
    cid = child_id(ports)

    assert parent.say(reply_id=f"claim:no:{cid}") == ["claim_dropped", "menu"]
    assert parent.say(reply_id=f"claim:yes:{cid}") == ["claim_gone", "menu"]
    assert ports.records.run("SELECT guardian_id, parent_wa_id FROM children") == [[None, None]]


def test_dont_ask_again_drops_later_claims_on_the_number_unasked(kader, ports):
    parent = consent(ports, PARENT)
    register(kader, name="Ani")
    parent.say(reply_id=f"claim:never:{child_id(ports)}")
    before = len(ports.messenger.sent)

    register(kader, name="Bela")

    assert sent_to(ports, PARENT, before) == []
    assert ports.records.run("SELECT count(*) FROM children WHERE parent_wa_id IS NOT NULL")[0][0] == 0
    stored = ports.records.run("SELECT wa_hash FROM claim_refusals")[0][0]
    assert PARENT not in stored and len(stored) >= 12  # a keyed pseudonym, not the number


def test_a_claim_is_asked_once(kader, ports):
    parent = consent(ports, PARENT)
    register(kader)
    asked = len(sent_to(ports, PARENT))
    kader.say("MENU")
    kader.say(reply_id="kader:measure")
    kader.say("Ani")  # measured again: the claim is not asked again
    kader.say(reply_id="yes")  # "Betul Ani (3/1/24)?"

    for said in ("@date:today", "9", "78", "@measure:l", "@skip", "@skip", "@no"):
        kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)

    assert len(sent_to(ports, PARENT)) == asked
    assert parent.say(reply_id="menu:children") == ["no_children", "menu"]


# --- DATA SAYA, UBAH DATA ---------------------------------------------------------------------------------------

def test_data_saya_shows_the_family_everything_stored(consented, ports):
    quick_child(consented)
    before = len(ports.messenger.sent)

    assert consented.say("DATA SAYA") == ["my_data", "menu"]

    shown = sent_to(ports, consented.wa_id, before)[0]
    for fact in (consented.wa_id, "Bahasa Indonesia", CONSENT_VERSION, "Ani", "3 Januari 2024", "diukur 1 kali",
                 "aktif"):
        assert fact in shown, fact


def test_data_saya_before_consent_gives_only_a_count_of_kader_entries(kader, ports):
    register(kader)
    before = len(ports.messenger.sent)

    assert Chat(ports, wa_id=PARENT).say("data saya") == ["my_data_claims_only"]
    shown = sent_to(ports, PARENT, before)[0]
    assert "1 anak" in shown and "Ani" not in shown


def test_a_wrong_birth_date_is_corrected_and_every_result_recomputed(consented, ports):
    quick_child(consented)
    age_before = ports.records.run("SELECT assessment->>'age_days' FROM measurements")[0][0]

    assert consented.say("UBAH DATA") == ["ask_correct_field"]
    assert consented.say(reply_id="field:birth_date") == ["ask_birth_date"]
    assert consented.say("3-4-2024") == ["correct_done", "menu"]

    assert ports.records.run("SELECT birth_date::text FROM children") == [["2024-04-03"]]
    age_after = ports.records.run("SELECT assessment->>'age_days' FROM measurements")[0][0]
    assert int(age_before) - int(age_after) == 91
    assert ports.records.run("SELECT count(*) FROM outbox WHERE kind = 'sheet_upsert' AND "
                             "dedupe_key LIKE 'measurement:%%:%%'")[0][0] == 1
    assert any("1 hasil ukur dihitung ulang" in body for body in sent_to(ports, consented.wa_id)[-3:])


def test_a_name_is_corrected_without_recomputing(consented, ports):
    quick_child(consented)

    consented.say("ubah data")
    consented.say("nama")
    assert consented.say("Anisa") == ["correct_done", "menu"]
    assert ports.records.run("SELECT name FROM children") == [["Anisa"]]
    action = ports.records.run("SELECT detail FROM audit_log WHERE action = 'child.correct'")[0][0]
    assert action == {"fields": ["name"], "recomputed": 0}


# --- a new consent text asks again ------------------------------------------------------------------------------

def test_a_new_consent_version_asks_the_family_again(consented, ports):
    ports.records.run("UPDATE guardians SET consent_version = '2020-01-v0'")

    assert consented.say("menu") == ["consent_updated", "welcome_consent"]
    assert consented.say(reply_id="consent:yes") == ["consent_thanks", "menu"]
    assert ports.records.run("SELECT consent_version FROM guardians") == [[CONSENT_VERSION]]
    assert consented.say("menu") == ["menu"]


def test_declining_a_new_consent_version_stops_reminders_and_keeps_asking(consented, ports):
    ports.records.run("UPDATE guardians SET consent_version = '2020-01-v0'")
    consented.say("halo")

    assert consented.say(reply_id="consent:no") == ["consent_update_declined"]
    assert ports.records.run("SELECT opted_out_at IS NOT NULL, consent_version FROM guardians") == \
        [[True, "2020-01-v0"]]
    # What they send meanwhile is kept while the new text is asked, and answered once they agree.
    assert consented.say("cewek lahir 3-1-2024 bb 8,0 pb 70") == ["consent_updated", "consent_question_kept",
                                                                  "welcome_consent"]


# --- kader are not muted on posyandu day ------------------------------------------------------------------------

def test_a_kader_taps_forty_times_a_minute_without_being_muted(kader, ports):
    for _ in range(40):
        keys = kader.say("MENU")
    assert keys == ["kader_menu"]


def test_a_parent_flooding_is_still_slowed_down(consented):
    # The messages are stamped a second apart from a whole minute: one rate window, whatever the clock says.
    keys = [consented.say("menu") for _ in range(conversation.RATE_LIMIT + 2)]
    assert ["slow_down"] in keys


# --- the audit trail of a posyandu day --------------------------------------------------------------------------

def test_a_posyandu_day_leaves_an_audit_trail_of_ids_only(kader, ports):
    """Two children registered (one with a parent number), found again by name and measured;
    the parent confirms, reads DATA SAYA, and the kader's next result reaches them: every read and change by staff,
    every message about a child to a parent, and the consent, in the audit log with ids only."""
    parent = consent(ports, PARENT)
    register(kader, name="Ani")
    register(kader, name="Andi", parent="")
    ani = child_id(ports, "Ani")
    parent.say(reply_id=f"claim:yes:{ani}")
    kader.say("MENU")
    kader.say(reply_id="kader:measure")
    kader.say("an")  # two matches: a search
    kader.say(reply_id=f"child:{ani}")
    for said in ("@date:today", "9", "78", "@measure:l", "@skip", "@skip", "@no"):
        kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    parent.say("DATA SAYA")

    rows = ports.records.run("SELECT actor, action, entity, entity_id, detail FROM audit_log ORDER BY id")
    trail = [(actor.split(":")[0], action) for actor, action, *_ in rows]
    staff_id = ports.records.run("SELECT id FROM staff")[0][0]
    expected = [("guardian", "consent"),
                ("staff", "child.create"), ("staff", "claim.ask"), ("staff", "measurement.create"),
                ("staff", "child.create"), ("staff", "measurement.create"),
                ("guardian", "claim.confirm"),
                ("staff", "child.search"), ("staff", "child.open"), ("staff", "measurement.create"),
                ("staff", "message.parent"),
                ("guardian", "data.read")]
    assert [t for t in trail if t[1] != "staff.insert"] == expected
    assert ("db", "staff.insert") in trail  # the staff row itself, added by SQL, is audited by a trigger
    assert all(actor == f"staff:{staff_id}" for actor, *_ in rows if actor.startswith("staff"))
    dumped = json.dumps([r[4] for r in rows]) + " ".join(r[0] for r in rows)
    for secret in (PARENT, KADER, "Ani", "Andi", "Siti", "2024-01-03"):
        assert secret not in dumped


def test_the_consent_text_and_its_version_change_together():
    """Editing the consent text without a new CONSENT_VERSION would let families agree to words they never saw."""
    import hashlib

    texts = render("welcome_consent", "id") + render("welcome_consent", "en")
    assert hashlib.sha256(texts.encode()).hexdigest()[:16] == conversation.CONSENT_DIGESTS[CONSENT_VERSION]


def test_a_stop_by_a_family_is_not_undone_by_declining_the_new_text(consented, ports):
    consented.say("STOP")
    consented.say(reply_id="yes")
    stopped = ports.records.run("SELECT opted_out_at FROM guardians")[0][0]
    ports.records.run("UPDATE guardians SET consent_version = '2020-01-v0'")
    consented.now += timedelta(minutes=5)
    consented.say("halo")
    consented.say(reply_id="consent:no")

    assert ports.records.run("SELECT opted_out_at FROM guardians")[0][0] == stopped
