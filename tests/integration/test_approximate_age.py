"""Golden conversations of families who know the child's age but not the birth date ("umur 1th 3bln"): the date is
asked for once from the Buku KIA, then the age in months stands (WHO Anthro's age in months), the result says it is
approximate, and the child is stored without a birth date, never with a made-up one."""
import pytest

from shared.domain.model import Child
from shared.services.conversation import chart_points
from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration

FIRST_QUESTION = "Assalamualaikum bu, anak sy umur 1th 3bln bb 8,2 kg tinggi 74 cm apa stunting ya?"


def _sent_after(ports, before: int) -> str:
    return "\n".join(getattr(m, "body", "") for _, m in ports.messenger.sent[before:])


def _measure_by_age(chat: Chat) -> list[str]:
    """The first question, consent, "tidak tahu" at the Buku KIA question, then the remaining answers."""
    chat.say(FIRST_QUESTION)
    chat.say(reply_id="consent:yes")
    chat.say("tidak tahu")
    chat.say("Ani")
    chat.say("perempuan")
    chat.say(reply_id="date:today")
    chat.say(reply_id="measure:l")
    chat.say(reply_id="skip")
    chat.say(reply_id="skip")
    return chat.say(reply_id="no")


def test_an_age_in_the_first_message_asks_once_for_the_kia_date_then_gives_an_approximate_result(chat, ports):
    """'umur 1th 3bln' is no longer refused: after consent the Buku KIA is asked about once, 'tidak tahu' keeps the
    age, and the result's header and a note say the result is approximate and how to make it exact."""
    assert chat.say(FIRST_QUESTION) == ["greet_salam", "consent_question_kept", "welcome_consent"]

    after_consent = chat.say(reply_id="consent:yes")

    assert after_consent == ["consent_thanks", "ask_birth_kia"]
    assert "Buku KIA" in ports.messenger.sent[-1][1].body and "1 th 3 bln" in ports.messenger.sent[-1][1].body
    assert chat.say("tidak tahu") == ["ask_child_name"]
    assert chat.say("Ani") == ["ask_sex"]
    keys = chat.say("perempuan")
    assert "ask_birth_date" not in keys and "ask_birth_kia" not in keys  # asked once, never again
    before = len(ports.messenger.sent)
    chat.say(reply_id="date:today")
    chat.say(reply_id="measure:l")
    chat.say(reply_id="skip")
    chat.say(reply_id="skip")
    result = chat.say(reply_id="no")

    assert result[0] == "result_header" and "approximate_age_note" in result
    shown = _sent_after(ports, before)
    assert "±1 th 3 bln (perkiraan)" in shown and "UBAH DATA" in shown


def test_the_child_is_stored_without_a_birth_date_and_the_measurement_with_the_age_given(chat, ports):
    """No birth date is made up from the age: the child's is NULL and the measurement keeps the 15 months."""
    _measure_by_age(chat)

    assert ports.records.run("SELECT birth_date FROM children") == [[None]]
    [[given, age_days]] = ports.records.run(
        "SELECT age_months_given::float, (assessment->>'age_days')::int FROM measurements")
    assert given == 15.0 and age_days == 457  # 15 x 30.4375 = 456.6 days, rounded as WHO Anthro does


def test_twenty_months_typed_at_the_birth_date_question_is_taken_as_the_age(consented, ports):
    """A mother answers the birth-date question with '20 bulan': the age is noted and the KIA asked about once."""
    consented.say("cek")
    consented.say("Budi")
    consented.say("laki2")

    assert consented.say("20 bulan") == ["ask_birth_kia"]
    assert consented.say(reply_id="kia:unknown") == ["ask_measured_on"]


def test_a_date_from_the_buku_kia_gives_an_exact_result(consented, ports):
    """The mother finds the Buku KIA: the date she types replaces the age, and nothing is approximate."""
    consented.say("anak sy cowok umur 20 bulan bb 10,5 tb 82 cm")

    assert consented.say("12-7-2023") == ["ask_child_name"]
    consented.say("Budi")
    consented.say(reply_id="date:today")
    consented.say(reply_id="measure:l")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    result = consented.say(reply_id="no")

    assert result[0] == "result_header" and "approximate_age_note" not in result
    assert ports.records.run("SELECT birth_date::text FROM children") == [["2023-07-12"]]
    assert ports.records.run("SELECT age_months_given FROM measurements") == [[None]]


@pytest.mark.parametrize("text", ["umur 6 tahun bb 18 tb 110", "anak sy umur 6 tahun apa stunting"])
def test_an_age_of_five_years_or_more_is_told_at_once(consented, ports, text):
    """'umur 6 tahun': no question is asked about a child WHO 2006 does not cover."""
    assert consented.say(text) == ["child_too_old", "menu"]
    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 0


def test_six_years_typed_at_the_birth_date_question_is_too_old(consented):
    consented.say("cek")
    consented.say("Budi")
    consented.say("L")

    assert consented.say("umur 6 tahun") == ["child_too_old", "ask_birth_date"]


def test_a_second_measurement_of_a_child_without_a_birth_date_asks_the_age_again(chat, ports):
    """Months given once go stale: the next check asks the age today (in months) before anything else."""
    _measure_by_age(chat)

    chat.say("cek")
    keys = chat.say("Ani")

    assert keys == ["ask_age_now"]
    assert chat.say("16") == ["ask_measured_on"]
    chat.say(reply_id="date:today")
    chat.say("8,5")
    chat.say("75")
    chat.say(reply_id="measure:l")
    chat.say(reply_id="skip")
    chat.say(reply_id="skip")
    result = chat.say(reply_id="no")
    assert "approximate_age_note" in result
    given = ports.records.run("SELECT age_months_given::float FROM measurements ORDER BY id")
    assert given == [[15.0], [16.0]]


def test_ubah_data_adds_the_birth_date_and_recomputes_every_result(chat, ports):
    """The mother finds the Buku KIA later: UBAH DATA sets the date, the results are computed from it, and the age
    given is no longer kept as the basis."""
    _measure_by_age(chat)

    chat.say("UBAH DATA")
    assert chat.say(reply_id="field:birth_date") == ["ask_birth_date"]
    assert chat.say("3-1-2024") == ["correct_done", "menu"]

    assert ports.records.run("SELECT birth_date::text FROM children") == [["2024-01-03"]]
    [[given, age_days]] = ports.records.run(
        "SELECT age_months_given, (assessment->>'age_days')::int FROM measurements")
    assert given is None and age_days == 432  # 3 January 2024 to 10 March 2025


def test_my_data_and_the_children_list_say_the_birth_date_is_unknown(chat, ports):
    _measure_by_age(chat)
    before = len(ports.messenger.sent)

    assert chat.say("DATA SAYA") == ["my_data", "menu"]
    chat.say(reply_id="menu:children")

    shown = _sent_after(ports, before)
    assert "lahir (tanggal tidak diketahui)" in shown and "None" not in shown


def test_a_chart_of_a_child_without_a_birth_date_is_placed_by_the_age_given(chat, ports):
    """The weight chart is drawn and sent, its point at the age the result was computed with (457 days)."""
    _measure_by_age(chat)
    [[child_id]] = ports.records.run("SELECT id FROM children")
    uploads = len(ports.messenger.uploads)

    assert "no_chart_yet" not in chat.say(reply_id=f"chart:wfa:{child_id}")

    assert len(ports.messenger.uploads) == uploads + 1
    with ports.records.transaction() as tx:
        rows = tx.measurements_of(child_id)
    assert chart_points("wfa", Child(child_id, "Ani", "F", None), rows) == [(457, 8.2)]


def test_a_kader_measuring_a_child_without_a_birth_date_is_asked_the_age_today(kader, ports):
    """A parent registered Ani at Posyandu Melati by her age; on posyandu day the kader finds her, is asked her age
    today (after three tries, told what is missing with an example), and the result says it is approximate."""
    parent = Chat(ports)
    for said in (FIRST_QUESTION, "@consent:yes", "tidak tahu", "Ani", "perempuan", "Melati", "@date:today",
                 "@measure:l", "@skip", "@skip", "@no"):
        parent.say(reply_id=said[1:]) if said.startswith("@") else parent.say(said)

    assert kader.say("Ani") == ["kader_confirm_child"]
    assert "tgl lahir ?" in ports.messenger.sent[-1][1].body
    assert kader.say(reply_id="yes") == ["ask_age_now"]
    assert kader.say("entah") == kader.say("??") == ["invalid_age", "ask_age_now"]
    assert kader.say("x") == ["invalid_age", "stuck_age_now"]
    assert kader.say("16") == ["ask_measured_on"]
    for said in ("@date:today", "8,6", "75", "@measure:l", "@skip", "@skip"):
        kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    result = kader.say(reply_id="no")

    assert result[0] == "result_header" and "approximate_age_note" in result and "kader_saved" in result
    assert ports.records.run("SELECT age_months_given FROM measurements ORDER BY id") == [[15], [16]]


def test_stuck_at_the_buku_kia_question_says_what_is_missing(chat):
    chat.say(FIRST_QUESTION)
    chat.say(reply_id="consent:yes")
    for _ in range(2):
        assert chat.say("hmm")[-1] == "ask_birth_kia"
    assert chat.say("hmm")[-1] == "stuck_birth_kia"
