"""Golden conversations as mothers and kader type them (Bahasa Indonesia first): nothing a person types is lost,
greetings are answered in kind, and a kader's greeting is not taken for a child's name."""
import pytest

from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration

FIRST_QUESTION = "Assalamualaikum bu, anak sy cewek lahir 3-1-2024 bb 8,2 kg tinggi 74 cm apa stunting ya?"


def test_a_first_message_that_asks_is_answered_after_consent_and_never_stored_before(chat, ports):
    """The mother's first message carries the question: it is greeted in kind, kept only in the conversation
    state while consent is asked, and after "Setuju" Tumbuh carries on from it without her typing it again."""
    assert chat.say(FIRST_QUESTION) == ["greet_salam", "consent_question_kept", "welcome_consent"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0
    assert "8,2" not in str(ports.records.run("SELECT payload FROM outbox"))  # nothing of it in PostgreSQL

    keys = chat.say(reply_id="consent:yes")

    assert keys[0] == "consent_thanks" and "menu" not in keys
    assert keys[-1] == "ask_child_name"  # sex, birth date, weight and height were all read from the first message
    assert "Waalaikumsalam" in ports.messenger.sent[0][1].body


def test_a_first_message_is_forgotten_when_consent_is_declined(chat, ports):
    """'Tidak setuju': the question kept in the conversation state goes with it; nothing was stored."""
    chat.say(FIRST_QUESTION)

    assert chat.say(reply_id="consent:no") == ["consent_declined"]

    assert ports.conversations.load(chat.wa_id) is None
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0


def test_a_plain_hello_gets_the_consent_question_alone(chat):
    """Nothing to keep in "Halo bu": no promise to answer it later."""
    assert chat.say("Halo bu") == ["welcome_consent"]
    assert chat.say(reply_id="consent:yes")[-1] == "menu"


@pytest.mark.parametrize("greeting, key", [("Selamat pagi", "greet_pagi"), ("selamat malam bun", "greet_malam"),
                                           ("Ass wr wb", "greet_salam")])
def test_a_consented_parent_is_greeted_in_kind(consented, greeting, key):
    assert consented.say(greeting) == [key, "menu"]


def test_inside_a_question_a_greeting_is_not_answered_again(consented):
    """Mid-conversation the message answers the question asked; Tumbuh does not say good morning back."""
    consented.say("cek")
    assert "greet_pagi" not in consented.say("Selamat pagi")


# --- kader ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Halo", "Selamat pagi bu", "Assalamualaikum", "selamat siang semua"])
def test_a_kaders_greeting_is_not_a_childs_name(kader, text):
    keys = kader.say(text)

    assert "kader_no_match" not in keys and keys[-1] == "kader_menu"


def test_bantuan_gives_a_kader_the_kaders_help(kader, ports):
    assert kader.say("BANTUAN") == ["kader_help", "kader_menu"]
    assert "Anak baru" in ports.messenger.sent[-1][1].body


@pytest.mark.parametrize("text", ["Saya kader posyandu Melati", "daftar kader", "I am a cadre"])
def test_an_unregistered_number_saying_it_is_a_kader_is_told_how_to_be_registered(ports, text):
    """Kader are registered by the puskesmas: the number is told so, then offered Tumbuh as a parent."""
    stranger = Chat(ports, wa_id="6281300000077")

    assert stranger.say(text) == ["kader_not_registered", "welcome_consent"]
    assert "puskesmas" in ports.messenger.sent[-1][1].body


def test_a_mother_greeting_bu_kader_is_not_told_about_kader_registration(chat):
    assert chat.say("Selamat pagi bu kader") == ["greet_pagi", "welcome_consent"]


# --- STOP in words -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["jangan kirim lagi", "stop kirim pesan", "unsubscribe", "berhenti kirim",
                                  "stop sending me messages", "Tolong jangan kirim pesan lagi ya"])
def test_stop_said_in_words_asks_to_confirm_stop(consented, text):
    assert consented.say(text) == ["confirm_stop"]
    assert consented.say(reply_id="yes") == ["stop_done"]


@pytest.mark.parametrize("text", ["stop muntah sejak kemarin", "jangan", "anak tidak mau makan"])
def test_stop_inside_a_sentence_about_the_child_is_not_stop(consented, text):
    assert "confirm_stop" not in consented.say(text)


def test_stop_from_a_number_tumbuh_does_not_know_stores_nothing_and_asks_nothing(chat, ports):
    """No consent question to someone who asked for no messages: they are told nothing is kept."""
    assert chat.say("jangan kirim lagi") == ["stop_nothing_stored"]
    assert ports.records.run("SELECT count(*) FROM guardians")[0][0] == 0
    assert ports.conversations.load(chat.wa_id) is None


def test_after_stop_a_kader_result_is_not_sent_and_the_kader_is_told_why(kader, ports):
    """A parent who said STOP gets nothing they did not ask for; the kader reads that the result was not sent."""
    from tests.integration.test_kader import PARENT, _family_of_ani, _measure_again

    parent = _family_of_ani(kader, ports)
    parent.say("stop kirim pesan")
    parent.say(reply_id="yes")
    before = len([1 for to, _ in ports.messenger.sent if to == PARENT])

    keys = _measure_again(kader)

    assert "kader_parent_opted_out" in keys and "kader_parent_notified" not in keys
    assert len([1 for to, _ in ports.messenger.sent if to == PARENT]) == before
    assert "STOP" in ports.messenger.sent[-1][1].body


def test_after_stop_a_claim_question_waits_for_mulai(kader, ports):
    """A kader registers a child with the number of a parent who said STOP: the question 'is this your child?' is
    not sent then, but as soon as the parent types MULAI."""
    from tests.integration.test_kader import PARENT, _register_new_child

    parent = Chat(ports, wa_id=PARENT)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    parent.say("STOP")
    parent.say(reply_id="yes")
    sent_before = len(ports.messenger.sent)

    _register_new_child(kader)
    assert all(to != PARENT for to, _ in ports.messenger.sent[sent_before:])

    assert parent.say("MULAI") == ["start_done", "claim_question"]


# --- the blocking question first ---------------------------------------------------------------------------------

def test_a_six_year_old_is_told_at_once_not_after_six_questions(consented):
    assert consented.say("cewek lahir 3-1-2019 bb 18 tb 110") == ["child_too_old", "menu"]


def test_a_weight_that_does_not_fit_the_age_is_asked_about_before_the_name(consented):
    """28 kg at 1 year 2 months (the chat's today is 10 March 2025) is a slip of the finger (12,8?): asked at
    once, then the rest goes on."""
    assert consented.say("cowok lahir 3-1-2024 bb 28 tb 80") == ["check_weight"]
    assert consented.say("12,8") == ["ask_child_name"]


def test_a_confirmed_unusual_weight_is_kept(consented):
    assert consented.say("cowok lahir 3-1-2024 bb 28 tb 80") == ["check_weight"]
    # 28 kg at 80 cm does not fit either: the length is asked about too, once
    assert consented.say(reply_id="check:right") == ["check_lenhei"]
    assert consented.say(reply_id="check:right") == ["ask_child_name"]


def test_a_length_that_does_not_fit_is_asked_about_when_typed(consented):
    consented.say("cek")
    for said in ("Budi", "L", "3-1-2024", "@date:today", "10,2"):
        keys = consented.say(reply_id=said[1:]) if said.startswith("@") else consented.say(said)
    assert keys == ["ask_lenhei"]
    consented.say("120")
    assert consented.say(reply_id="measure:l") == ["check_lenhei"]
    assert consented.say("82") == ["ask_headc"]


def test_a_measuring_date_before_the_birth_is_said_first(consented):
    keys = consented.say("cewek lahir 3-1-2025 diukur 1-12-2024 bb 8 pb 70")
    assert keys[0] == "measured_before_birth"


# --- "belum diukur" ------------------------------------------------------------------------------------------------

def test_length_not_measured_gives_a_weight_only_check_said_plainly(consented, ports):
    consented.say("cewek lahir 3-1-2024 bb 9,1")
    assert consented.say("Ani") == ["ask_measured_on"]
    assert consented.say(reply_id="date:today") == ["ask_lenhei"]
    keys = consented.say("belum diukur")
    assert keys == ["ask_headc"]
    assert consented.say(reply_id="skip") == ["ask_armc"]
    assert consented.say(reply_id="skip") == ["ask_oedema"]
    keys = consented.say(reply_id="no")

    assert keys[0] == "result_header" and "weight_only_note" in keys and "summary_good" not in keys
    text = " ".join(getattr(m, "body", "") for _, m in ports.messenger.sent[-2:])
    assert "BB/U" in text and "stunting" in text


# --- how many messages a mother needs -------------------------------------------------------------------------------

def test_from_halo_to_a_result_with_a_quick_entry(chat, ports, capsys):
    """A mother's first message is her question: Tumbuh asks consent, then only what the message left out (the
    name, the day it was measured, lying or standing for "tinggi" under two, head and arm circumference which
    she may skip, and the oedema tap). Counted in WhatsApp messages each way, and printed."""
    said = [FIRST_QUESTION, "@consent:yes", "Ani", "@date:today", "@measure:l", "@skip", "@skip", "@no"]
    for text in said:
        keys = chat.say(reply_id=text[1:]) if text.startswith("@") else chat.say(text)
    sent = len([1 for to, _ in ports.messenger.sent if to == chat.wa_id])

    with capsys.disabled():
        print(f"\nmother, first message to result: she sends {len(said)}, Tumbuh sends {sent} "
              f"(the result is the last two)")
    assert keys[0] == "result_header"
    assert (len(said), sent) == (8, 9)


def test_a_new_childs_name_typed_at_which_child_starts_registering_that_child(consented):
    """'Anak yang mana? [Ani] [Anak baru]' — a mother types "Budi": that is her other child, not a wrong answer."""
    consented.say("cewek lahir 3-1-2024 bb 8,2 pb 74")
    for said in ("Ani", "@date:today", "@skip", "@skip", "@no"):
        consented.say(reply_id=said[1:]) if said.startswith("@") else consented.say(said)
    assert consented.say("cek") == ["ask_which_child"]

    assert consented.say("Budi") == ["ask_sex"]  # the name is kept: only what is missing is asked


@pytest.mark.parametrize("words", ["belum diukur", "tidak diukur", "ga tau"])
def test_an_optional_measurement_not_taken_can_be_said_in_words(consented, words):
    consented.say("cewek lahir 3-1-2024 bb 8,2 pb 74")
    consented.say("Ani")
    assert consented.say(reply_id="date:today") == ["ask_headc"]
    assert consented.say(words) == ["ask_armc"]
    assert consented.say(words) == ["ask_oedema"]


def test_a_name_that_only_contains_a_childs_name_is_another_child(consented):
    """'Anita' typed at 'which child?' when Ani is registered is a new child, not Ani; 'Ani' and 'ani aja' are Ani."""
    consented.say("cewek lahir 3-1-2024 bb 8,2 pb 74")
    for said in ("Ani", "@date:today", "@skip", "@skip", "@no"):
        consented.say(reply_id=said[1:]) if said.startswith("@") else consented.say(said)

    consented.say("cek")
    assert consented.say("Anita") == ["ask_sex"]
    consented.say("batal")
    consented.say("cek")
    assert consented.say("ani aja") == ["ask_measured_on"]
