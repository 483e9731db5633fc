"""Golden conversations for the clinical review (a paediatric-nutrition reading of what Tumbuh tells a family),
typed as mothers and kader type them, through the real services, PostgreSQL and Redis. Each test is one defect
the review found; the words are checked where the review found the wrong ones, the message keys elsewhere. Today
is 10 March 2025 (the Chat fixture's clock)."""
import re
from datetime import date

import pytest

from shared.domain.growth import assess_growth_on
from shared.flows import parsers
from shared.flows.examples import example
from shared.flows.messages import render
from tests.integration.conftest import Chat

pytestmark = pytest.mark.integration

KADER, BIDAN, PARENT = "6281300000009", "6281300000008", "6281200000001"
TODAY = date(2025, 3, 10)
CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")  # weight_kg, lenhei_cm, muac_severe...


def texts(ports, to=PARENT) -> list[str]:
    """The bodies (and captions) of everything sent to one number, oldest first."""
    return [getattr(m, "body", "") or getattr(m, "caption", "") for who, m in ports.messenger.sent if who == to]


def result_of(ports, to=PARENT) -> str:
    """The last result's two messages as one text."""
    sent = texts(ports, to)
    start = max(i for i, t in enumerate(sent) if t.startswith(("📋", "🔁")))
    return "\n\n".join(sent[start:])


@pytest.fixture
def posyandu(ports) -> int:
    """Posyandu Melati with a kader (Siti) and a bidan (Rina)."""
    pid = ports.records.run("INSERT INTO posyandu (name, village, district) VALUES ('Melati', 'Sukamaju', "
                            "'Cibeber') RETURNING id")[0][0]
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', 'kader', %s), "
                      "(%s, 'Rina', 'bidan', %s)", (KADER, pid, BIDAN, pid))
    return pid


@pytest.fixture
def kader(ports, posyandu) -> Chat:
    return Chat(ports, wa_id=KADER)


def play(chat, *said):
    """Say each text, or tap each "@reply_id", in turn; the keys of the last answer are returned."""
    keys = []
    for text in said:
        keys = chat.say(reply_id=text[1:]) if text.startswith("@") else chat.say(text)
    return keys


def _quick(chat, text, name="Budi"):
    """A quick entry, the name, and today's date: what is asked next is returned."""
    assert chat.say(text) == ["ask_child_name"]
    return chat.say(name)


# --- LILA is asked for and then ignored -----------------------------------------------------------------------

def test_lila_under_11_5_is_gizi_buruk_whatever_the_weight_says(consented, ports):
    """A 10-month-old with LILA 10.9 cm and a normal BB/PB is gizi buruk with a same-day referral, not 'sesuai
    standar. Pertahankan!'."""
    assert _quick(consented, "cowok lahir 5-5-2024 bb 8,9 pb 72 lila 10,9") == ["ask_measured_on"]
    assert consented.say(reply_id="date:today") == ["ask_headc"]
    assert consented.say(reply_id="skip") == ["ask_oedema"]

    keys = consented.say(reply_id="no")

    text = result_of(ports)
    assert "Status: *gizi buruk menurut LILA*" in text and "LILA 10,9 cm: *gizi buruk*" in text
    assert "Hari ini juga bawa Budi ke puskesmas" in text and "Tanda bahaya" in text
    assert "Pertahankan" not in text and "summary_good" not in keys
    stored = ports.records.run("SELECT assessment->'findings', assessment->>'tier' FROM measurements")[0]
    assert stored == [["muac_severe"], "today"]


def test_a_kader_sees_the_lila_result_too(kader, ports):
    """The kader's view of the same child carries the LILA status and the referral."""
    play(kader, "MENU", "@kader:measure", "@child:new", "Budi", "L", "5-5-2024", "@skip", "@date:today", "8,9", "72",
         "@measure:l", "@skip")
    assert kader.say("11,2") == ["ask_oedema"]

    assert kader.say(reply_id="no")[:2] == ["result_header", "result_status"]
    assert "gizi buruk menurut LILA" in result_of(ports, KADER) and "Hari ini juga" in result_of(ports, KADER)


# --- Oedema is asked only when the child already looks thin ---------------------------------------------------

def test_oedema_is_asked_for_every_child_and_a_yes_is_gizi_buruk_today(consented, ports):
    """A well-fed-looking 20-month-old is asked about oedema in one tap, with a plain description; yes makes the
    result 'gizi buruk (edema)' with a same-day referral, and the weight is not interpreted."""
    assert _quick(consented, "cewek lahir 1-7-2023 bb 10,5 pb 82 kemarin", "Ani") == ["ask_headc"]
    assert consented.say(reply_id="skip") == ["ask_armc"]
    assert consented.say(reply_id="skip") == ["ask_oedema"]
    question = texts(ports)[-1]

    consented.say(reply_id="yes")

    text = result_of(ports)
    assert "ditekan jempol 3 detik meninggalkan cekungan" in question
    assert "Status: *gizi buruk (edema)*" in text and "Hari ini juga bawa Ani ke puskesmas" in text
    assert "tidak dinilai karena ada edema" in text and "gizi baik" not in text


def test_a_quick_entry_that_says_no_swelling_is_not_asked_again(consented):
    """'tidak bengkak' in the first message answers the oedema question."""
    assert _quick(consented, "cewek lahir 1-7-2023 bb 10,5 pb 82 lk 46 lila 14 kemarin, kaki tidak bengkak",
                  "Ani")[0] == "result_header"


# --- Flagged values have no safety net ------------------------------------------------------------------------

def _extreme(chat, name="Dodi"):
    """An 18-month-old at 6.0 kg and 80 cm: WHZ -6.4, outside WHO's plausibility limit (-5). Asked about at once
    ("is the length right?"), confirmed, then measured."""
    assert chat.say("cowok lahir 1-9-2023 bb 6 pb 80 hari ini lk 46 lila 12,8") == ["check_lenhei"]
    assert chat.say(reply_id="check:right") == ["ask_child_name"]
    assert chat.say(name) == ["ask_oedema"]
    return chat.say(reply_id="no")


def test_a_confirmed_extreme_value_gets_the_result_and_the_posyandu_staff_are_told(consented, ports, posyandu):
    """First 'ukur ulang'; the same numbers again give the result with 'bila angka ini benar, bawa anak ke
    puskesmas hari ini', and the kader and bidan of the child's posyandu get a notice through the outbox."""
    assert consented.say("cowok lahir 1-9-2023 bb 6 pb 80 hari ini lk 46 lila 12,8") == ["check_lenhei"]
    consented.say(reply_id="check:right")
    consented.say("Dodi")
    assert consented.say("Melati") == ["ask_oedema"]  # the parent names the posyandu
    assert consented.say(reply_id="no") == ["remeasure"]
    child = ports.records.run("SELECT id FROM children")[0][0]

    assert consented.say(reply_id=f"again:{child}") == ["ask_weight"]  # the same child, today: only what is in doubt
    assert consented.say("6,0") == ["ask_lenhei"]
    assert consented.say("80") == ["ask_measure"]
    keys = consented.say(reply_id="measure:l")

    text = result_of(ports)
    assert "summary_confirmed_extreme" in keys and "Bila angka ini benar, bawa Dodi ke puskesmas hari ini" in text
    assert "Kader dan bidan posyandu sudah diberi tahu" in text
    notices = [(to, m.body) for to, m in ports.messenger.sent if to in (KADER, BIDAN)]
    assert sorted(to for to, _ in notices) == [BIDAN, KADER]
    assert all("Perlu dicek hari ini" in body and "Dodi" in body for _, body in notices)
    reviews = ports.records.run("SELECT review FROM measurements ORDER BY id")
    assert [r[0] for r in reviews] == ["superseded", "confirmed"]


def test_an_unconfirmed_flagged_value_is_on_the_kaders_perlu_dicek_list(kader, ports):
    """A flagged value nobody re-measured stays visible to the posyandu's staff as 'perlu dicek' (the kader said
    the length was typed right when asked)."""
    play(kader, "MENU", "@kader:measure", "@child:new", "Dodi", "L", "1-9-2023", "@skip", "@date:today", "6", "80",
         "@measure:l", "@check:right", "@skip", "@skip")
    assert kader.say(reply_id="no")[0] == "remeasure"

    assert kader.say(reply_id="kader:review")[:2] == ["review_header", "review_line"]
    assert "Dodi" in texts(ports, KADER)[-1] and "belum diukur ulang" in texts(ports, KADER)[-1]


def test_a_remeasure_that_is_normal_replaces_the_flagged_value(consented, ports):
    """The second measurement is plausible: an ordinary result, and the flagged one is no longer waiting."""
    _extreme(consented)
    child = ports.records.run("SELECT id FROM children")[0][0]
    consented.say(reply_id=f"again:{child}")
    consented.say("10,2")
    consented.say("80")

    assert consented.say(reply_id="measure:l")[0] == "result_header"
    assert [r[0] for r in ports.records.run("SELECT review FROM measurements ORDER BY id")] == ["superseded", None]


# --- Babies under 6 months are told to give solid food ---------------------------------------------------------

SOLID_WORDS = re.compile(r"MP-ASI|makan|padat|protein hewani|lauk|minyak|santan|telur|ikan|formula", re.I)


@pytest.mark.parametrize("entry, status", [
    ("cewek lahir 5-12-2024 bb 4,2 pb 59", "gizi buruk"),  # a wasted 3-month-old (BB/PB -3.3)
    ("cowok lahir 5-1-2025 bb 5,6 pb 58", "normal, sesuai standar"),  # a healthy 2-month-old
])
def test_babies_under_six_months_hear_breast_milk_only(consented, ports, entry, status):
    """No solid food, animal protein or formula for a baby; a wasted one gets breastfeeding support and referral."""
    _quick(consented, entry, "Sari")
    consented.say(reply_id="date:today")
    consented.say(reply_id="skip")  # head; no LILA question under 6 months
    consented.say(reply_id="no")

    text = result_of(ports)
    assert f"Status: *{status}" in text and "ASI saja" in text
    assert SOLID_WORDS.search(text) is None, SOLID_WORDS.search(text)
    if status == "gizi buruk":
        assert "Bayi di bawah 6 bulan dengan gizi buruk biasanya perlu dirawat" in text


# --- No danger signs, one urgency for everything ----------------------------------------------------------------

def test_chronic_stunting_is_within_a_week_and_acute_wasting_is_today(consented, ports):
    """'sangat pendek' is a puskesmas visit this week; 'gizi buruk' is today with the danger signs."""
    _quick(consented, "cewek lahir 1-9-2022 bb 9,5 tb 80 hari ini", "Rina")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")
    stunted = result_of(ports)
    _quick(consented, "cewek lahir 2-9-2022 bb 8,3 tb 84 hari ini", "Wati")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")
    wasted = result_of(ports)

    assert "Dalam minggu ini periksakan Rina" in stunted and "Hari ini" not in stunted
    assert "Hari ini juga bawa Wati ke puskesmas" in wasted and "Tanda bahaya" in wasted


def test_a_danger_sign_in_the_message_is_answered_now(consented, ports):
    """'anak sy kejang' with the child's numbers: the IGD or puskesmas now, before anything else."""
    _quick(consented, "anak sy kejang tadi pagi, cowok lahir 5-5-2024 bb 8,9 pb 72 hari ini")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")

    assert "ke IGD rumah sakit atau puskesmas SEKARANG" in result_of(ports)


def test_a_danger_sign_without_numbers_is_answered_now_too(consented, ports):
    """A worry with no measurement still gets 'now' and the danger signs, and no feeding advice for a guessed age."""
    assert consented.say("bu bidan anak saya kejang dan muntah terus") == ["concern_now", "danger_signs_any", "menu"]


# --- The status line puts stunting before wasting ----------------------------------------------------------------

def test_the_status_line_says_gizi_buruk_before_pendek(consented, ports):
    """A child who is pendek and gizi buruk reads 'gizi buruk' first."""
    a = assess_growth_on(2, date(2022, 9, 1), TODAY, 8.0, 82.0, "h")
    assert (a.length_for_age.category.value, a.weight_for_length.category.value) == ("stunted", "severely_wasted")
    _quick(consented, "cewek lahir 1-9-2022 bb 8 tb 82 hari ini", "Wati")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say(reply_id="no")

    assert "Status: *gizi buruk, pendek," in result_of(ports)


# --- "tb" is read as "measured standing" ---------------------------------------------------------------------------

@pytest.mark.parametrize("entry, asked", [
    ("cewek lahir 3-1-2024 bb 9,1 tb 76 hari ini", True),  # under 2: "tb" is any length, so ask
    ("cewek lahir 3-1-2024 bb 9,1 pb 76 hari ini", False),  # under 2 and "pb": lying, as usual
    ("cewek lahir 3-1-2024 bb 9,1 tb 76 diukur telentang hari ini", False),  # said in words
    ("cowok lahir 1-9-2022 bb 12,5 pb 88 hari ini", True),  # from 2 years "pb" is asked
    ("cowok lahir 1-9-2022 bb 12,5 tb 88 hari ini", False),  # from 2 years "tb": standing, as usual
])
def test_lying_or_standing_is_asked_unless_the_words_or_the_usual_position_say_it(consented, entry, asked):
    """Parents write "tb" for any length: under 24 months the position is asked unless said in words."""
    first = _quick(consented, entry, "Ani")

    assert (first == ["ask_measure"]) is asked


# --- Weight gain -------------------------------------------------------------------------------------------------------

def test_a_mid_month_home_weighing_does_not_hide_the_posyandu_t(consented, ports):
    """Posyandu 5 Jan, at home 20 Jan, posyandu 5 Feb: February's weighing is T against January's, and the
    T gets the Buku KIA advice (see a bidan) instead of 'Pertahankan!'."""
    for on, kg in (("5-1-2025", "9,6"), ("20-1-2025", "9,9"), ("5-2-2025", "9,7")):
        consented.say(f"cewek lahir 3-1-2024 bb {kg} pb 76 tgl ukur {on} tidak bengkak")
        if on == "5-1-2025":
            consented.say("Ani")
        consented.say(reply_id="skip")
        keys = consented.say(reply_id="skip")

    text = result_of(ports)
    assert "summary_not_gained" in keys and "sejak 5 Januari 2025" in text and "(T)" in text
    assert "Buku KIA menganjurkan anak yang beratnya tidak naik diperiksa bidan" in text
    assert "Pertahankan" not in text


def test_a_large_real_loss_is_urgent(consented, ports):
    """600 g lost in a month (6 %) is a same-day visit, not 'tidak naik cukup'."""
    consented.say("cewek lahir 3-1-2024 bb 10,1 pb 76 tgl ukur 5-2-2025 tidak bengkak")
    consented.say("Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say("cewek lahir 3-1-2024 bb 9,5 pb 76,5 tgl ukur 7-3-2025 tidak bengkak")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "Berat *turun* 600 g (6%) sejak 5 Februari 2025" in text and "Hari ini juga bawa Ani" in text


# --- Summaries contradict categories ------------------------------------------------------------------------------

def test_berisiko_gizi_lebih_gets_its_own_sentence_not_pertahankan(consented, ports):
    """A child at risk of overweight is told so, with no-diet advice for a toddler."""
    a = assess_growth_on(2, date(2024, 1, 3), TODAY, 10.6, 76.0, "l")
    assert a.weight_for_length.category.value == "possible_risk_of_overweight"
    _quick(consented, "cewek lahir 3-1-2024 bb 10,6 pb 76 hari ini tidak bengkak", "Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "berisiko gizi lebih" in text and "tidak perlu diet" in text and "Pertahankan" not in text


# --- Missing checks ------------------------------------------------------------------------------------------------

def test_a_length_that_falls_ten_centimetres_asks_for_a_remeasure(consented, ports):
    """87 cm last month and 77 cm now at 23 months is a typo until measured again, not 'sangat pendek'."""
    consented.say("cowok lahir 1-4-2023 bb 10,9 pb 87 tgl ukur 8-2-2025 tidak bengkak")
    consented.say("Budi")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    consented.say("cowok lahir 1-4-2023 bb 11 pb 77 hari ini tidak bengkak")
    consented.say(reply_id="skip")

    assert consented.say(reply_id="skip") == ["remeasure"]
    assert "panjang/tinggi berubah -10 cm dari pengukuran sebelumnya" in texts(ports)[-1]


def test_head_circumference_is_reported_with_a_referral_when_small(consented, ports):
    """LK 41 cm at 14 months is below -3 SD: reported, named, and referred for assessment (not a diagnosis)."""
    _quick(consented, "cowok lahir 10-1-2024 bb 9,5 pb 76 lk 41 hari ini tidak bengkak")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "Lingkar kepala menurut umur (LK/U): *sangat kecil*" in text
    assert "lingkar kepala sangat kecil" in text and "Dalam minggu ini periksakan Budi" in text


# --- A stated worry is thrown away -----------------------------------------------------------------------------------

def test_a_mothers_worry_and_her_two_weights_are_heard(consented, ports):
    """'GTM udah 2 minggu, bb turun dr 10,1 jd 9,7 kg': the earlier weight is the previous weighing (when?), the
    loss is judged, the food refusal gets its own advice and the danger signs; no code name in any reply."""
    consented.say("anak sy GTM udah 2 minggu, bb turun dr 10,1 jd 9,7 kg")
    assert consented.say("Ani") == ["ask_sex"]
    assert consented.say("P") == ["ask_birth_date"]
    assert consented.say("3-1-2024") == ["ask_measured_on"]
    assert consented.say(reply_id="date:today") == ["ask_previous_on"]
    assert consented.say("7 Februari 2025") == ["ask_lenhei"]
    assert consented.say("77") == ["ask_measure"]  # an unlabelled length: the position is asked
    consented.say(reply_id="measure:l")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    keys = consented.say(reply_id="no")

    text = result_of(ports)
    assert "summary_food_refusal" in keys and "Anda menyebut Ani susah makan" in text and "Tanda bahaya" in text
    assert "tidak naik" in text and "sejak 7 Februari 2025" in text
    assert ports.records.run("SELECT count(*) FROM measurements WHERE measured_on = '2025-02-07'")[0][0] == 1
    assert [t for t in texts(ports) if CODE_NAME.search(t)] == []


# --- Words for the wrong age -----------------------------------------------------------------------------------------

def test_a_stunted_three_year_old_is_not_told_it_is_too_late_or_to_breastfeed(consented, ports):
    """No 'sebelum umur 2 tahun', 'ASI sampai 2 tahun' or 'MP-ASI' for a child over two."""
    _quick(consented, "cowok lahir 1-3-2022 bb 11 tb 86 hari ini tidak bengkak", "Joko")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "pendek" in text and "sebelum umur 2 tahun" not in text and "sampai 2 tahun" not in text
    assert "MP-ASI" not in text and "Makanan keluarga" in text


# --- The examples frighten -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["example_young", "example_older"])
def test_the_menu_and_help_examples_are_healthy_children_of_today(key):
    """Tried as written today, each example is a normal child and nothing about it needs asking but the name."""
    text = render(str(example(key, TODAY)), "id", **example(key, TODAY).params)
    entry = parsers.extract_quick_entry(text, today=TODAY)
    a = assess_growth_on(1 if entry.sex == "M" else 2, entry.birth_date, TODAY, entry.weight_kg, entry.lenhei_cm,
                         "l" if entry.lenhei_label == "pb" else "h")

    assert not entry.problems and not a.needs_remeasure
    assert {r.category.value for r in (a.length_for_age, a.weight_for_age, a.weight_for_length)} == {"normal"}


def test_the_menu_shows_todays_example(consented, ports):
    """The menu's example is of a child born 14 months before today."""
    consented.say("MENU")

    assert "cewek lahir 10 Januari 2024" in texts(ports)[-1]


# --- Back-dated measurements -----------------------------------------------------------------------------------------

def test_an_older_measurement_recomputes_what_follows_and_the_next_check_counts_from_the_latest(consented, ports):
    """Entered after March's, February's weighing is named as older, March's N/T is recomputed, and the next
    check counts from March."""
    consented.say("cewek lahir 3-1-2024 bb 9,9 pb 76 tgl ukur 5-3-2025 tidak bengkak")
    consented.say("Ani")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")
    assert ports.records.run("SELECT assessment->'gain'->>'code' FROM measurements")[0][0] == "B"

    consented.say("cewek lahir 3-1-2024 bb 9,6 pb 75 tgl ukur 5-2-2025 tidak bengkak")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "lebih lama dari pengukuran terakhir (5 Maret 2025)" in text and "*4 April 2025*" in text
    march = ports.records.run("SELECT assessment->'gain'->>'code' FROM measurements WHERE measured_on = "
                              "'2025-03-05'")[0][0]
    assert march == "N"


# --- Labels follow age, not the position ---------------------------------------------------------------------------

def test_a_thirty_month_old_measured_lying_is_labelled_tb(consented, ports):
    """TB/U and BB/TB were computed (the length became a height, -0.7 cm): the labels say so."""
    _quick(consented, "cowok lahir 1-9-2022 bb 12,5 pb 88 diukur telentang hari ini tidak bengkak")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "Tinggi menurut umur (TB/U)" in text and "Berat menurut tinggi (BB/TB)" in text and "PB/U" not in text


def test_a_thin_childs_result_is_headed_by_the_weight_for_length_chart(consented, ports, monkeypatch):
    """The picture under the advice shows the problem (gizi buruk on BB/PB), not a height chart saying 'sesuai'."""
    from shared import charts

    drawn = []
    real = charts.render_chart
    monkeypatch.setattr(charts, "render_chart", lambda *a, **k: drawn.append(a[0]) or real(*a, **k))
    _quick(consented, "cewek lahir 2-9-2022 bb 8,3 tb 84 hari ini tidak bengkak", "Wati")
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    assert drawn == ["wfh"]  # weight-for-height: she is over two
    assert [b.id.split(":")[1] for b in ports.messenger.sent[-1][1].buttons] == ["lfa", "wfa", "menu"]


def test_a_loss_earlier_in_the_same_month_is_still_said(consented, ports):
    """'turun dari 10,1 jadi 9,7' weighed on the 1st: no KMS T (same month), but a 4 % loss is named and checked."""
    consented.say("anak sy GTM, bb turun dr 10,1 jd 9,7 kg, cewek lahir 3-1-2024 pb 77 hari ini tidak bengkak")
    consented.say("Ani")
    assert consented.say("1 Maret 2025") == ["ask_headc"]
    consented.say(reply_id="skip")
    consented.say(reply_id="skip")

    text = result_of(ports)
    assert "berat turun" in text and "Berat *turun* 400 g (4%) sejak 1 Maret 2025" in text
    assert "Dalam minggu ini periksakan Ani" in text
