"""Kader mode: a cadre listed for a posyandu measures children for families, one after the other."""
from datetime import timedelta

import pytest

from tests.integration.conftest import KADER, Chat

pytestmark = pytest.mark.integration

PARENT = "6281200000001"


def _register_new_child(kader, parent_phone="0812 0000 0001"):
    assert kader.say("MENU") == ["kader_menu"]
    assert kader.say(reply_id="kader:measure") == ["kader_ask_child"]
    assert kader.say(reply_id="child:new") == ["ask_child_name"]
    assert kader.say("Ani") == ["ask_sex"]
    assert kader.say("P") == ["ask_birth_date"]
    assert kader.say("3-1-2024") == ["kader_ask_parent_phone"]
    assert kader.say(parent_phone) == ["ask_measured_on"]
    assert kader.say(reply_id="date:today") == ["ask_weight"]
    assert kader.say("8,9") == ["ask_lenhei"]
    assert kader.say("78") == ["ask_measure"]
    assert kader.say(reply_id="measure:l") == ["ask_headc"]
    assert kader.say(reply_id="skip") == ["ask_armc"]
    assert kader.say(reply_id="skip") == ["ask_oedema"]
    return kader.say(reply_id="no")


def _measure_again(kader, armc="@skip"):
    """Measure the registered child Ani again, found by name."""
    assert kader.say("MENU") == ["kader_menu"]
    assert kader.say(reply_id="kader:measure") == ["kader_ask_child"]
    assert kader.say("Ani") == ["kader_confirm_child"]
    assert kader.say(reply_id="yes") == ["ask_measured_on"]
    for said in ("@date:today", "8,9", "78", "@measure:l", "@skip", armc, "@no"):
        keys = kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    return keys


def _parent_confirms(ports, parent):
    """The parent taps "Ya, anak saya" under the claim question about Ani."""
    child_id = ports.records.run("SELECT id FROM children WHERE name = 'Ani'")[0][0]
    return parent.say(reply_id=f"claim:yes:{child_id}")


def _family_of_ani(kader, ports, now=None) -> Chat:
    """A consented parent (who last wrote at `now`) whose number the kader gave for Ani, confirmed as theirs."""
    parent = Chat(ports, wa_id=PARENT, now=now)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    _register_new_child(kader)
    _parent_confirms(ports, parent)
    return parent


def test_kader_registers_and_measures_a_new_child_without_consent_questions(kader, ports):
    """No consent flow for staff; the child is stored for the posyandu, registered and entered by the kader."""
    keys = _register_new_child(kader)

    assert keys[0] == "result_header"
    assert keys[-3:] == ["kader_saved", "kader_parent_claim_noted", "choice_prompt_next"]
    row = ports.records.run("SELECT c.posyandu_id IS NOT NULL, c.registered_by IS NOT NULL, c.parent_wa_id, "
                            "c.guardian_id, m.entered_by_staff IS NOT NULL FROM children c "
                            "JOIN measurements m ON m.child_id = c.id")[0]
    assert row == [True, True, "6281200000001", None, True]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0


def test_next_child_finds_a_known_child_by_part_of_the_name_and_confirms_it(kader, ports):
    """Typing part of a registered child's name shows the child with its birth date ("Betul Ani (3/1/24)?"), and
    measuring starts only after a yes."""
    _register_new_child(kader)

    assert kader.say(reply_id="next:kader") == ["kader_ask_child"]
    assert kader.say("an") == ["kader_confirm_child"]
    assert "Betul *Ani (3/1/24)*?" in ports.messenger.sent[-1][1].body
    assert kader.say(reply_id="yes") == ["ask_measured_on"]


def test_a_no_to_the_confirmation_asks_for_the_name_again(kader):
    """The child found is not the one meant: nothing is recorded, and the name is asked again."""
    _register_new_child(kader)
    kader.say(reply_id="next:kader")
    kader.say("ani")

    assert kader.say("bukan") == ["kader_ask_child"]
    assert kader.say(reply_id="child:new") == ["ask_child_name"]


def test_unknown_name_says_so_and_offers_a_new_child(kader):
    """A name that matches nobody is explained, and the question stays."""
    assert kader.say("Bambang") == ["kader_no_match", "kader_ask_child"]


def test_parent_who_consents_later_is_asked_before_a_kader_registered_child_becomes_theirs(kader, ports):
    """When the parent agrees to Tumbuh, each child registered with their number is a question, not a fact."""
    _register_new_child(kader)
    parent = Chat(ports, wa_id=PARENT)

    parent.say("Halo")
    assert parent.say(reply_id="consent:yes") == ["consent_thanks", "claim_question"]
    assert ports.records.run("SELECT count(*) FROM children WHERE guardian_id IS NOT NULL")[0][0] == 0
    assert _parent_confirms(ports, parent) == ["claim_linked", "menu"]

    assert parent.say(reply_id="menu:children") == ["children_list", "menu"]
    assert ports.records.run("SELECT count(*) FROM children WHERE guardian_id IS NOT NULL")[0][0] == 1


def test_consented_parent_inside_the_window_gets_the_full_result(kader, ports):
    """A parent who wrote within 24 hours receives the kader's result as ordinary messages."""
    _family_of_ani(kader, ports)
    before = len(ports.messenger.sent)

    keys = _measure_again(kader)

    to_parent = [m for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert "kader_parent_notified" in keys
    assert len(to_parent) == 2 and "Kader posyandu baru saja mengukur Ani" in to_parent[0].body
    assert to_parent[1].image_id.startswith("media.")  # the advice under Ani's chart, as for the parent's own
    assert [b.id.split(":")[1] for b in to_parent[1].buttons] == ["wfa", "wfl", "menu"]


def test_the_kader_gets_no_chart_on_posyandu_day(kader, ports):
    """The kader's own result stays text only: thirty children do not need thirty pictures."""
    _register_new_child(kader)

    assert ports.messenger.uploads == []
    assert all(not getattr(m, "image_id", "") for to, m in ports.messenger.sent if to == KADER)


def test_parent_outside_the_window_gets_the_approved_template(kader, ports):
    """After 24 hours of silence only a template may be sent: hasil_pengukuran with name, date and status."""
    from shared.whatsapp.outgoing import Template

    _family_of_ani(kader, ports, now=kader.now - timedelta(days=2))
    before = len(ports.messenger.sent)

    _measure_again(kader)

    (template,) = [m for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert isinstance(template, Template) and template.name == "hasil_pengukuran"
    assert template.body_params[0] == "Ani"


def test_an_urgent_result_outside_the_window_says_puskesmas_today_in_the_template(kader, ports):
    """Gizi buruk by LILA with the parent's window closed: the urgent template, so the referral is not hidden."""
    from shared.whatsapp.outgoing import Template

    _family_of_ani(kader, ports, now=kader.now - timedelta(days=2))
    before = len(ports.messenger.sent)

    _measure_again(kader, armc="11")

    (template,) = [m for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert isinstance(template, Template) and template.name == "hasil_pengukuran_segera"
    assert template.body_params[2] == "gizi buruk menurut LILA"


def test_stop_and_hapus_are_for_parents(kader):
    """A kader typing STOP or HAPUS is told these words are for parents."""
    assert kader.say("HAPUS") == ["kader_only", "kader_menu"]


def test_a_parent_can_name_the_childs_posyandu_so_its_kader_find_the_child(kader, ports):
    """While registering, a parent types the posyandu's name; the child then shows up for that posyandu's kader."""
    parent = Chat(ports, wa_id=PARENT)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    parent.say(reply_id="menu:measure")
    parent.say("Ani")
    parent.say("P")

    assert parent.say("3-1-2024") == ["ask_posyandu"]
    assert parent.say("Mawar") == ["posyandu_unknown", "ask_posyandu"]
    assert parent.say("posyandu melati") == ["ask_measured_on"]
    parent.say(reply_id="date:today")
    parent.say("8,9")
    parent.say("78")
    parent.say(reply_id="measure:l")
    parent.say(reply_id="skip")
    parent.say(reply_id="skip")
    parent.say(reply_id="no")  # no oedema (asked for every child)

    assert kader.say("ani") == ["kader_confirm_child"]


def test_a_kader_switches_to_english_and_the_parent_keeps_their_own_language(kader, ports):
    """BAHASA works for staff too: the kader's menu and results turn English; the parent's stay Indonesian."""
    parent = Chat(ports, wa_id=PARENT)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")

    assert kader.say("BAHASA") == ["ask_language"]
    assert kader.say("english") == ["language_set", "kader_menu"]
    before = len(ports.messenger.sent)
    _register_new_child(kader)

    to_kader = [m.body for to, m in ports.messenger.sent[before:] if to == KADER]
    to_parent = [m.body for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert any("*Result for Ani*" in body for body in to_kader)
    assert any("Recorded by the cadre" in body for body in to_kader)
    assert "Apakah *Ani*, lahir 3 Januari 2024, anak Anda?" in to_parent[0]  # the claim, in the parent's language
    assert ports.records.run("SELECT language FROM staff WHERE wa_id = %s", (KADER,)) == [["en"]]


def test_the_kader_menu_offers_the_language_choice(kader):
    assert kader.say("MENU") == ["kader_menu"]
    assert kader.say(reply_id="menu:language") == ["ask_language"]
