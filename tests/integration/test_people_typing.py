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
