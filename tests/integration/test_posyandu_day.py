"""Posyandu day for a kader, as kader type it (Bahasa Indonesia first): one line a child ("Fajar 9,8 76
telentang"), a new child in one line ("baru: Lestari P 12-05-2024 8,1 71 ortu 0812…"), a name alone confirmed
with the birth date, and REKAP at the end of the day. Through the real services, PostgreSQL and Redis; the day is
10 March 2025 (tests/integration/conftest.py)."""
from datetime import timedelta

import pytest

from tests.integration.conftest import KADER, Chat

pytestmark = pytest.mark.integration

PARENT = "6281200000001"
OTHER_PARENT = "6281200000002"


def add_child(ports, name: str, sex: str, born: str, guardian_id=None, parent_wa_id=None) -> int:
    """A child the posyandu already has (registered at an earlier posyandu day)."""
    posyandu = ports.records.run("SELECT id FROM posyandu")[0][0]
    return ports.records.run(
        "INSERT INTO children (name, sex, birth_date, posyandu_id, guardian_id, parent_wa_id) "
        "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id", (name, sex, born, posyandu, guardian_id, parent_wa_id))[0][0]


def parent_of(ports, name: str, wa_id: str = PARENT, now=None) -> Chat:
    """A consented parent (who last wrote at `now`) whose child `name` the posyandu already has."""
    parent = Chat(ports, wa_id=wa_id, now=now)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    guardian = ports.records.run("SELECT id FROM guardians WHERE wa_id = %s", (wa_id,))[0][0]
    ports.records.run("UPDATE children SET guardian_id = %s WHERE name = %s", (guardian, name))
    return parent


def to_kader(ports, since: int = 0) -> list:
    """What Tumbuh sent the kader since message `since`."""
    return [m for to, m in ports.messenger.sent[since:] if to == KADER]


@pytest.fixture
def fajar(kader, ports) -> int:
    """Fajar, a boy of 14 months on posyandu day."""
    return add_child(ports, "Fajar", "M", "2024-01-03")


# --- one line, a known child -----------------------------------------------------------------------------------

def test_one_line_measures_a_known_child_with_one_tap_for_oedema(kader, ports, fajar):
    """"Fajar 9,8 76 telentang": the child, the weight, the length and the position in one line; only the oedema
    question is asked (as one tap), and the result comes back as ONE short message naming the child with the
    birth date, the age, the Permenkes categories, the status, why the parent was not told, and "Berikutnya?"."""
    assert kader.say("Fajar 9,8 76 telentang") == ["ask_oedema"]
    before = len(ports.messenger.sent)

    keys = kader.say(reply_id="no")

    assert keys == ["kader_line_result", "kader_parent_not_linked", "kader_line_next"]
    (result,) = to_kader(ports, before)
    assert result.body.startswith("✅ *Fajar* (3/1/24), 1 th 2 bln\nBB 9,8 kg, PB 76 cm\n")
    assert "BB/U berat badan normal, PB/U normal, BB/PB gizi baik" in result.body
    assert "Status: *normal, sesuai standar*" in result.body
    assert "sampaikan hasilnya langsung" in result.body and result.body.endswith("Berikutnya? Ketik anak berikutnya "
                                                                                 "dalam satu baris.")
    assert [b.id for b in result.buttons] == ["kader:recap", "next:menu"]
    row = ports.records.run("SELECT child_id, measured_on::text, weight_kg::float, lenhei_cm::float, measure, oedema, "
                            "entered_by_staff IS NOT NULL FROM measurements")
    assert row == [[fajar, "2025-03-10", 9.8, 76.0, "l", False, True]]


@pytest.mark.parametrize("line, asked", [
    ("Fajar bb 9,8 pb 76 tidak bengkak", []),  # "pb" under 2 years is lying; "tidak bengkak" answers oedema
    ("fajar 9.8kg 76cm telentang, kaki tidak bengkak", []),
    ("Fajar bb 9,8 tb 76", ["ask_measure", "ask_oedema"]),  # "tb" under 2 says nothing of the position
    ("Fajar 9,8 76", ["ask_measure", "ask_oedema"]),
])
def test_only_what_the_line_leaves_out_is_asked(kader, fajar, line, asked):
    """Labels and units are read as kader write them; the position is asked only when the line does not imply it,
    and oedema unless the line says "tidak bengkak"."""
    answers = {"ask_measure": "measure:l", "ask_oedema": "no"}

    keys = kader.say(line)
    questions = []
    while keys and keys[-1] in answers:
        questions.append(keys[-1])
        keys = kader.say(reply_id=answers[keys[-1]])

    assert questions == asked
    assert keys[0] == "kader_line_result"


def test_an_urgent_result_is_said_plainly_in_the_short_message(kader, ports, fajar):
    """LILA 11 cm is gizi buruk whatever the weight: the short result names it in the status and says, in words,
    to refer today and why."""
    keys = kader.say("Fajar 9,8 76 telentang lila 11 tidak bengkak")

    assert keys[:2] == ["kader_line_result", "kader_urgent_today"]
    body = to_kader(ports)[-1].body
    assert "Status: *gizi buruk menurut LILA*" in body and "LILA 11 cm gizi buruk" in body
    assert "🚑 *Rujuk hari ini*: Fajar perlu ke puskesmas hari ini juga, karena gizi buruk menurut LILA." in body


def test_the_parent_gets_the_full_result_and_the_kader_reads_that_they_did(kader, ports, fajar):
    """A consented parent who wrote today gets the result as their own (two messages, the chart with the advice);
    the kader's short result says so."""
    parent_of(ports, "Fajar")
    before = len(ports.messenger.sent)

    keys = kader.say("Fajar 9,8 76 telentang tidak bengkak")

    assert "kader_parent_notified" in keys
    to_parent = [m for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert len(to_parent) == 2 and "Kader posyandu baru saja mengukur Fajar" in to_parent[0].body
    assert len(to_kader(ports, before)) == 1


def test_outside_the_window_the_kader_reads_that_a_template_went(kader, ports, fajar):
    """A parent silent for two days gets the approved template; the kader is told it was the short form."""
    parent_of(ports, "Fajar", now=kader.now - timedelta(days=2))

    keys = kader.say("Fajar 9,8 76 telentang tidak bengkak")

    assert "kader_parent_template" in keys
    assert "pesan singkat (template)" in to_kader(ports)[-1].body


def test_a_name_that_matches_nobody_keeps_the_numbers(kader, ports, fajar):
    """A misspelt name is said back with the question "which child?"; the right name then measures the child with
    the numbers of the first line, nothing typed twice."""
    assert kader.say("Fjar 9,8 76 telentang tidak bengkak") == ["kader_no_match", "kader_ask_child"]

    assert kader.say("Fajar")[0] == "kader_line_result"
    assert ports.records.run("SELECT weight_kg::float, lenhei_cm::float FROM measurements") == [[9.8, 76.0]]


def test_a_name_only_partly_typed_in_a_line_is_confirmed_first(kader, ports, fajar):
    """"Faj 9,8 76": part of a name might be another child (or a new one), and the wrong parent would get the
    result, so the child found is shown with its birth date and a yes is needed."""
    assert kader.say("Faj 9,8 76 telentang tidak bengkak") == ["kader_confirm_child"]
    assert "Betul *Fajar (3/1/24)*?" in to_kader(ports)[-1].body
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 0

    assert kader.say(reply_id="yes")[0] == "kader_line_result"


def test_two_children_of_the_same_name_are_offered_with_their_birth_dates(kader, ports, fajar):
    """Two Fajars: the list shows each with its birth date, and the one picked is measured with the line's
    numbers."""
    other = add_child(ports, "Fajar Nugroho", "M", "2023-06-20")

    assert kader.say("Fajar 10,5 80 telentang tidak bengkak") == ["ask_which_child"]
    titles = [b.title for b in to_kader(ports)[-1].buttons]
    assert titles == ["Fajar (3/1/24)", "Fajar Nugroho (20/6…", "Anak baru"]  # a button holds 20 characters

    assert kader.say(reply_id=f"child:{other}")[0] == "kader_line_result"
    assert ports.records.run("SELECT child_id FROM measurements") == [[other]]


def test_a_whole_line_typed_after_tapping_measure_is_read_whole(kader, fajar):
    """The kader taps "Ukur anak" and then types the line anyway: it is read as a line, not as a name."""
    kader.say("MENU")
    assert kader.say(reply_id="kader:measure") == ["kader_ask_child"]

    assert kader.say("Fajar 9,8 76 telentang tidak bengkak")[0] == "kader_line_result"


def test_the_step_by_step_way_stays_for_those_who_prefer_it(kader, ports, fajar):
    """A name alone is confirmed with the birth date, then every question is asked, and the full result comes."""
    assert kader.say("Fajar") == ["kader_confirm_child"]
    assert kader.say(reply_id="yes") == ["ask_measured_on"]
    for said in ("@date:today", "9,8", "76", "@measure:l", "@skip", "@skip"):
        keys = kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)
    assert keys == ["ask_oedema"]

    assert kader.say(reply_id="no")[0] == "result_header"


# --- one line, a new child -------------------------------------------------------------------------------------

def test_a_new_child_in_one_line_is_registered_and_measured(kader, ports):
    """"baru: Lestari P 12-05-2024 8,1 71 ortu 0812 0000 0001": name, sex, birth date, weight, length and the
    parent's number; the position and oedema are asked, and the child is registered with the number as a claim."""
    assert kader.say("baru: Lestari P 12-05-2024 8,1 71 ortu 0812 0000 0001") == ["ask_measure"]
    assert kader.say(reply_id="measure:l") == ["ask_oedema"]

    keys = kader.say(reply_id="no")

    assert keys == ["kader_line_result", "kader_parent_claim_noted", "kader_line_next"]
    assert to_kader(ports)[-1].body.startswith("✅ *Lestari* (12/5/24), 9 bln\nBB 8,1 kg, PB 71 cm")
    child = ports.records.run("SELECT name, sex, birth_date::text, parent_wa_id, guardian_id, "
                              "registered_by IS NOT NULL FROM children")
    assert child == [["Lestari", "F", "2024-05-12", "6281200000001", None, True]]


def test_a_consented_parent_is_asked_about_a_child_registered_in_one_line(kader, ports):
    """The number typed after "ortu" is a claim: a consented parent is asked "is this your child?" at once, and
    nothing about the child reaches them before they say yes."""
    parent = Chat(ports, wa_id=PARENT)
    parent.say("Halo")
    parent.say(reply_id="consent:yes")
    before = len(ports.messenger.sent)

    kader.say("baru: Lestari P 12-05-2024 8,1 71 telentang tidak bengkak ortu 0812-0000-0001")

    to_parent = [m.body for to, m in ports.messenger.sent[before:] if to == PARENT]
    assert len(to_parent) == 1 and "Apakah *Lestari*, lahir 12 Mei 2024, anak Anda?" in to_parent[0]


def test_a_new_child_without_a_parent_number_is_not_asked_for_one(kader, ports):
    """The number is optional in the line: left out, the child is registered without one and the kader is told
    to pass the result on in person."""
    keys = kader.say("baru: Lestari P 12-05-2024 8,1 71 telentang tidak bengkak")

    assert keys == ["kader_line_result", "kader_parent_not_linked", "kader_line_next"]
    assert ports.records.run("SELECT parent_wa_id FROM children") == [[None]]


def test_a_new_line_for_a_child_already_registered_measures_that_child(kader, ports, fajar):
    """Same name, sex and birth date as a child of the posyandu: the kader is told, and no second child is made."""
    keys = kader.say("baru: Fajar L 3-1-2024 9,8 76 telentang tidak bengkak")

    assert keys[:2] == ["kader_line_registered_already", "kader_line_result"]
    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 1


def test_a_slip_in_the_line_is_asked_again_the_rest_kept(kader, ports):
    """A birth date in the future is said and asked; everything else of the line is kept."""
    keys = kader.say("baru: Lestari P 12-05-2026 8,1 71 telentang tidak bengkak")

    assert keys == ["date_in_future", "ask_birth_date"]
    assert kader.say("12-5-2024")[0] == "kader_line_result"
    assert ports.records.run("SELECT birth_date::text FROM children") == [["2024-05-12"]]


def test_a_value_to_measure_again_says_so_in_the_short_message(kader, ports):
    """A weight WHO flags (an 18-month-old of 6 kg at 80 cm): the short message asks to measure again, with the
    button for it; the re-typed line then confirms or replaces the value."""
    add_child(ports, "Dodi", "M", "2023-09-01")

    keys = kader.say("Dodi 6 80 telentang tidak bengkak")
    while keys and keys[-1] in ("check_weight", "check_lenhei"):  # "is this number right?"
        keys = kader.say(reply_id="check:right")

    assert keys == ["kader_line_head", "remeasure", "kader_line_next"]
    body = to_kader(ports)[-1].body
    assert body.startswith("*Dodi* (1/9/23), 1 th 6 bln") and "Mohon ukur ulang" in body
    assert [b.id.split(":")[0] for b in to_kader(ports)[-1].buttons] == ["again", "kader", "next"]


# --- REKAP -------------------------------------------------------------------------------------------------------

def _day_of_six(kader, ports):
    """A posyandu day: six children measured by one line each, their parents in every state there is."""
    ani = add_child(ports, "Ani", "F", "2024-04-15")
    parent_of(ports, "Ani")  # wrote today: gets the full result
    add_child(ports, "Budi", "M", "2022-09-01")
    parent_of(ports, "Budi", wa_id=OTHER_PARENT, now=kader.now - timedelta(days=3))  # silent: a template
    add_child(ports, "Citra", "F", "2024-05-12", parent_wa_id="6281200000003")  # claim not yet confirmed
    add_child(ports, "Dewi", "F", "2024-01-03")  # no parent number at all
    add_child(ports, "Eko", "M", "2024-01-03")
    stopped = parent_of(ports, "Eko", wa_id="6281200000004")
    stopped.say("stop kirim pesan")
    stopped.say(reply_id="yes")
    add_child(ports, "Fajar", "M", "2024-01-03")
    parent_of(ports, "Fajar", wa_id="6281200000005")
    ports.records.run("UPDATE guardians SET unreachable_at = now() WHERE wa_id = '6281200000005'")
    for line in ("Ani 8,3 70 telentang tidak bengkak",
                 "Budi 13,3 92 berdiri tidak bengkak",
                 "Citra 8,1 71 telentang tidak bengkak",
                 "Dewi 9,2 76 telentang lila 11 tidak bengkak",  # gizi buruk by LILA: puskesmas today
                 "Eko 9 71 telentang tidak bengkak",  # pendek: puskesmas within the week
                 "Fajar 9,8 76 telentang tidak bengkak"):
        assert kader.say(line)[0] == "kader_line_result", line
    return ani


def test_rekap_lists_the_day_urgent_first_and_every_parent_not_told(kader, ports):
    """REKAP: who was measured today, who needs attention (the status words, most urgent first, and how soon), and
    whose parent did not get the full result and why: no number, a claim not yet confirmed, STOP, an unreachable
    number, or the template sent outside the 24 hours."""
    _day_of_six(kader, ports)
    before = len(ports.messenger.sent)

    keys = kader.say("REKAP")

    assert keys[0] == "recap_header" and keys[-1] == "recap_next"
    text = "\n\n".join(m.body for m in to_kader(ports, before))
    assert "*Rekap hari ini* — Posyandu Melati, 10 Maret 2025\nDiukur 6 anak; 2 perlu perhatian." in text
    dewi = text.index("• Dewi (3/1/24): *gizi buruk menurut LILA* — 🚑 ke puskesmas hari ini")
    eko = text.index("• Eko (3/1/24): *pendek* — 🩺 ke puskesmas/bidan minggu ini")
    assert dewi < eko  # the most urgent first
    assert "*Lainnya*: Ani, Budi, Citra, Fajar" in text
    parents = text[text.index("*Orang tua yang belum menerima hasil lengkap:*"):]
    assert parents.splitlines()[2:7] == [
        "• Budi: di luar 24 jam, dikirim sebagai pesan singkat (template)",
        "• Citra: orang tua belum membenarkan nomornya",
        "• Dewi: tidak ada nomor orang tua",
        "• Eko: orang tua minta STOP",
        "• Fajar: nomor WhatsApp orang tua tidak bisa dihubungi",
    ]
    assert "Ani:" not in parents


def test_rekap_is_audited_with_ids_only(kader, ports):
    """Reading the day's list is a read of children's data by staff: one audit entry, the children's ids only."""
    ani = _day_of_six(kader, ports)

    kader.say("rekap hari ini")

    ((detail,),) = ports.records.run("SELECT detail FROM audit_log WHERE action = 'recap.read'")
    assert ani in detail["children"] and len(detail["children"]) == 6
    assert "Ani" not in str(detail)


@pytest.mark.parametrize("said", ["REKAP", "rekap hari ini", "Ringkasan", "selesai", "@kader:recap"])
def test_rekap_answers_to_the_words_and_the_buttons(kader, fajar, said):
    """Typed in words, tapped under a result ("Rekap hari ini") or picked in the kader menu."""
    kader.say("Fajar 9,8 76 telentang tidak bengkak")

    keys = kader.say(reply_id=said[1:]) if said.startswith("@") else kader.say(said)

    assert keys[0] == "recap_header"


def test_rekap_counts_what_other_kader_of_the_posyandu_measured(kader, ports, fajar):
    """Two kader weigh side by side: each one's REKAP lists the children both measured today."""
    ports.records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) SELECT '6281300000010', 'Rina', 'kader', "
                      "id FROM posyandu")
    add_child(ports, "Ani", "F", "2024-04-15")
    other = Chat(ports, wa_id="6281300000010")
    kader.say("Fajar 9,8 76 telentang tidak bengkak")
    other.say("Ani 8,3 70 telentang tidak bengkak")

    before = len(ports.messenger.sent)

    other.say("REKAP")

    text = "\n\n".join(m.body for to, m in ports.messenger.sent[before:] if to == "6281300000010")
    assert "Diukur 2 anak" in text and "*Lainnya*: Ani, Fajar" in text


def test_rekap_on_a_day_without_measurements_says_so(kader):
    assert kader.say("REKAP") == ["recap_none", "recap_next"]


def test_rekap_in_the_middle_of_a_child_keeps_the_child_and_asks_its_question_again(kader, ports, fajar):
    """REKAP typed while Fajar's oedema question is open: the recap, then the question again; the tap that answers
    it records Fajar (nothing typed is lost)."""
    assert kader.say("Fajar 9,8 76 telentang") == ["ask_oedema"]

    assert kader.say("REKAP") == ["recap_none", "ask_oedema"]
    assert kader.say(reply_id="no")[0] == "kader_line_result"
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 1


def test_a_result_measured_yesterday_is_not_in_todays_rekap(kader, ports, fajar):
    """The list is of today: yesterday's children are not on it."""
    kader.now -= timedelta(days=1)
    kader.say("Fajar 9,8 76 telentang tidak bengkak")
    kader.now += timedelta(days=1)

    assert kader.say("REKAP") == ["recap_none", "recap_next"]


# --- the kader's menu and help ----------------------------------------------------------------------------------

def test_the_kader_menu_shows_the_one_line_form_and_offers_rekap(kader, ports):
    """The menu shows a line for a registered child and one for a new child (healthy children of today's age), and
    REKAP among its choices."""
    assert kader.say("MENU") == ["kader_menu"]

    menu = to_kader(ports)[-1]
    assert "Ketik satu baris per anak" in menu.body and "_Fajar 10,1 78 telentang_" in menu.body
    assert "_baru: Lestari P 10-5-2024 " in menu.body and " ortu 0812…_" in menu.body
    assert "kader:recap" in [r.id for r in menu.sections[0].rows]


def test_the_kader_help_explains_the_one_line_form_and_rekap(kader, ports):
    assert kader.say("BANTUAN") == ["kader_help", "kader_menu"]

    help_text = to_kader(ports)[-1].body
    assert "*Satu baris per anak*" in help_text and "_Fajar 10,1 78 telentang_" in help_text
    assert "*REKAP*" in help_text and "tidak bengkak" in help_text


def test_the_menu_examples_read_back_as_healthy_children_without_questions(kader, ports):
    """Trying the menu's own new-child example (with "tidak bengkak") registers a child whose result is normal:
    an example never frightens, and the line form it teaches works as shown."""
    kader.say("MENU")
    example = to_kader(ports)[-1].body.split("Anak baru: _")[1].split("_")[0]

    keys = kader.say(example.replace(" ortu 0812…", " telentang tidak bengkak"))

    assert keys[0] == "kader_line_result"
    assert "Status: *normal, sesuai standar*" in to_kader(ports)[-1].body


# --- the count: about two messages a child ------------------------------------------------------------------------

def _count(kader, ports, said: list[str], lines: bool = True) -> tuple[int, int]:
    """Say each text, or tap each "@reply_id", answering "no" to every oedema question: (messages the kader sent,
    messages Tumbuh sent them). With `lines`, each text is one child's line and must end in its result."""
    before = len(ports.messenger.sent)
    typed = 0
    for text in said:
        keys = kader.say(reply_id=text[1:]) if text.startswith("@") else kader.say(text)
        typed += 1
        while keys and keys[-1] == "ask_oedema":
            keys = kader.say(reply_id="no")
            typed += 1
        assert not lines or keys[0] == "kader_line_result", (text, keys)
    assert keys[0] in ("kader_line_result", "result_header"), keys  # the last child's result came
    return typed, len(to_kader(ports, before))


def test_three_children_in_one_line_each_take_two_kader_messages_a_child(kader, ports, capsys):
    """From the kader's first child to the third, one line each: the kader sends two messages a child (the line
    and the oedema tap) and Tumbuh answers with two (the question and the short result); with "tidak bengkak" in
    the line, one each. The figures are printed beside those of the step-by-step way for one child."""
    for name, sex, born in (("Ani", "F", "2024-04-15"), ("Budi", "M", "2022-09-01"), ("Fajar", "M", "2024-01-03"),
                            ("Gita", "F", "2024-04-15"), ("Hadi", "M", "2022-09-01"), ("Indah", "F", "2024-01-03"),
                            ("Joko", "M", "2024-01-03")):
        add_child(ports, name, sex, born)
    sent_before = len(ports.messenger.sent)

    one_line = _count(kader, ports, ["Ani 8,3 70 telentang", "Budi 13,3 92 berdiri", "Fajar 9,8 76 telentang"])
    no_swelling = _count(kader, ports, ["Gita 8,3 70 telentang tidak bengkak", "Hadi 13,3 92 berdiri tidak bengkak",
                                        "Indah 9 75 telentang tidak bengkak"])
    step_by_step = _count(kader, ports, ["MENU", "@kader:measure", "Joko", "@yes", "@date:today", "9,8", "76",
                                         "@measure:l", "@skip", "@skip"], lines=False)

    with capsys.disabled():
        print(f"\nposyandu day, WhatsApp messages (kader's + Tumbuh's) from the first child to the third:"
              f"\n  one line a child:              {one_line[0]} + {one_line[1]} = {sum(one_line)}"
              f" ({sum(one_line) / 3:.1f} a child)"
              f"\n  one line with 'tidak bengkak': {no_swelling[0]} + {no_swelling[1]} = {sum(no_swelling)}"
              f" ({sum(no_swelling) / 3:.1f} a child)"
              f"\n  step by step, for one child:   {step_by_step[0]} + {step_by_step[1]} = {sum(step_by_step)}")
    assert one_line == (6, 6)
    assert no_swelling == (3, 3)
    assert len(ports.messenger.sent) - sent_before == sum(x[1] for x in (one_line, no_swelling, step_by_step))


def test_the_next_childs_line_is_never_taken_as_the_open_answer(kader, ports):
    """At Lestari's oedema question the kader types the next child's line, which says 'tidak bengkak' about Fajar:
    Lestari is not recorded with Fajar's answer; her question is asked again, and then Fajar's line works."""
    assert kader.say("baru: Lestari P 12-05-2024 8,1 71 telentang")[-1] == "ask_oedema"

    keys = kader.say("baru: Fajar L 3-1-2024 9,8 76 telentang tidak bengkak")

    assert keys == ["kader_finish_first", "ask_oedema"]
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 0
    assert kader.say(reply_id="no")[0] != "kader_finish_first"
    assert ports.records.run("SELECT count(*) FROM measurements")[0][0] == 1
    kader.say("baru: Fajar L 3-1-2024 9,8 76 telentang tidak bengkak")
    assert ports.records.run("SELECT count(*) FROM children")[0][0] == 2
