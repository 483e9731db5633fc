"""A kader's one line a child, read whole (parsers.read_kader_line), the parent's number (parse_phone), and the
words that ask for REKAP (asks_recap). The service built on them is tested in tests/unit/services/test_kader.py."""
from datetime import date

import pytest

from shared.flows.parsers import Invalid, asks_recap, parse_phone, read_kader_line

TODAY = date(2025, 3, 10)
EARLIEST = date(2020, 3, 11)  # a child under five on TODAY


def read(text: str):
    return read_kader_line(text, today=TODAY, earliest_birth=EARLIEST)


# --- a registered child ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,query,weight,lenhei,measure,label",
    [
        ("Fajar 9,8 76 telentang", "Fajar", 9.8, 76.0, "l", None),
        ("Fajar 9.8 76 berdiri", "Fajar", 9.8, 76.0, "h", None),
        ("Fajar bb 9,8 tb 76", "Fajar", 9.8, 76.0, None, "tb"),  # a label is kept; it says nothing of the position
        ("Fajar BB 9,8 PB 76", "Fajar", 9.8, 76.0, None, "pb"),
        ("Fajar 9.8kg 76cm", "Fajar", 9.8, 76.0, None, None),
        ("Fajar 76 cm 9,8 kg", "Fajar", 9.8, 76.0, None, None),  # units say which is which, whatever the order
        ("Fajar 76 9,8", "Fajar", 9.8, 76.0, None, None),  # 76 kg is no child's weight: the two were swapped
        ("Fajar: bb/tb 9,8/76", "Fajar", 9.8, 76.0, None, "tb"),  # "bb tb" label the two numbers in turn
        ("fajar 9800 76", "fajar", 9.8, 76.0, None, None),  # grams, as a scale shows them
        ("Siti Aisyah 10,2 80,5 berbaring", "Siti Aisyah", 10.2, 80.5, "l", None),
        ("M. Rizki 12 88 berdiri", "M. Rizki", 12.0, 88.0, "h", None),
        ("Lila 9,8 76", "Lila", 9.8, 76.0, None, None),  # the first word is the name even when it is a label too
        ("Fajar 9 koma 8 76", "Fajar", 9.8, 76.0, None, None),
        ("Fajar 9,8 76 tidak bisa berdiri", "Fajar", 9.8, 76.0, None, None),  # a milestone, not the position
        ("Fajar 9,8 76 belum berdiri", "Fajar", 9.8, 76.0, "l", None),  # "not standing" was measured lying
    ],
)
def test_a_line_gives_the_name_the_weight_and_the_length(text, query, weight, lenhei, measure, label):
    line = read(text)

    assert line is not None and not line.new and line.problems == ()
    assert (line.query, line.weight_kg, line.lenhei_cm, line.measure, line.lenhei_label) == \
        (query, weight, lenhei, measure, label)


@pytest.mark.parametrize("text", ["Fajar", "Siti Aisyah", "Selamat pagi bu", "fajar tidak bengkak", "", "   "])
def test_words_without_a_number_are_no_line(text):
    """A name alone is a search, answered with "Betul Fajar (3/1/24)?": never a measurement."""
    assert read(text) is None


@pytest.mark.parametrize(
    "text,oedema",
    [
        ("Fajar 9,8 76 telentang tidak bengkak", False),
        ("Fajar 9,8 76 kaki tdk bengkak", False),
        ("Fajar 9,8 76 edema -", False),  # register style
        ("Fajar 9,8 76 no swelling", False),
        ("Fajar 9,8 76 kedua kaki bengkak", True),  # said, and asked properly all the same (see line_slots)
        ("Fajar 9,8 76", None),
        ("Fajar 9,8 76 bengkak bekas suntik", None),  # a jab's swelling is not nutritional oedema
    ],
)
def test_the_line_answers_the_oedema_question_only_when_it_says_so(text, oedema):
    assert read(text).oedema is oedema


def test_lila_and_head_circumference_are_read_with_their_labels():
    line = read("Fajar 9,8 76 lila 13,5 lk 46")

    assert (line.weight_kg, line.lenhei_cm, line.armc_cm, line.headc_cm) == (9.8, 76.0, 13.5, 46.0)


def test_a_danger_sign_in_the_line_is_kept_as_a_concern():
    """"kejang" after the numbers: the result says to go now, as for a family that says it."""
    assert read("Fajar 9,8 76 kejang semalam").concerns == ("danger_sign",)


@pytest.mark.parametrize(
    "text,problem,weight,lenhei",
    [
        ("Siti 9,8 76 46", "kader_line_ambiguous", None, None),  # three bare numbers: no guessing which is which
        ("Fajar 98 76", "number_out_of_range", None, 76.0),  # a slip: 98 kg is asked again, the length is kept
        ("Fajar 9,8 7,6", "number_out_of_range", 9.8, None),
        ("Fajar 9,8 76 3 bulan", "kader_line_unread", 9.8, 76.0),  # an age is not a measurement of the line
        ("Fajar 9,8 76 kemarin", "kader_line_today_only", 9.8, 76.0),
        ("Fajar bb 9,8 bb 9,9 76", "conflicting_values", None, 76.0),
        ("Fajar 9,8 76 berdiri telentang", "invalid_measure", 9.8, 76.0),
    ],
)
def test_what_cannot_be_read_is_said_and_asked_the_rest_kept(text, problem, weight, lenhei):
    line = read(text)

    assert [p.key for p in line.problems] == [problem]
    assert (line.weight_kg, line.lenhei_cm) == (weight, lenhei)


def test_a_parent_number_on_a_registered_childs_line_is_left_out_of_the_measurement():
    """"ortu 0812…" is taken off the line (its digits are no weight), and only noted as given."""
    line = read("Fajar 9,8 76 ortu 0812 3456 7890")

    assert (line.weight_kg, line.lenhei_cm, line.parent_wa_id, line.parent_given) == (9.8, 76.0, None, True)
    assert line.problems == ()


# --- a new child -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,name,sex,born,phone",
    [
        ("baru: Lestari P 12-05-2024 8,1 71 ortu 0812 3456 7890", "Lestari", "F", date(2024, 5, 12), "6281234567890"),
        ("Baru Lestari P 12/5/24 8,1 71 hp 081234567890", "Lestari", "F", date(2024, 5, 12), "6281234567890"),
        ("anak baru: Putri Ayu P 1-1-2024 9 75", "Putri Ayu", "F", date(2024, 1, 1), None),  # "Putri" is a name
        ("baru: M Rizki L 1-1-2024 10 80 wa +62 812-3456-7890", "M Rizki", "M", date(2024, 1, 1), "6281234567890"),
        ("baru: Budi laki2 3 Jan 2023 12 88", "Budi", "M", date(2023, 1, 3), None),
        ("baru: Ayu perempuan 1-1-2024 9 75", "Ayu", "F", date(2024, 1, 1), None),
        ("new: Lestari F 12-5-2024 8.1 71", "Lestari", "F", date(2024, 5, 12), None),
        ("baru: Lestari P 12-05-2024 8,1 71 081234567890", "Lestari", "F", date(2024, 5, 12), "6281234567890"),
    ],
)
def test_a_new_childs_line_gives_name_sex_birth_date_numbers_and_the_parents_number(text, name, sex, born, phone):
    line = read(text)

    assert line.new and line.problems == ()
    assert (line.query, line.sex, line.birth_date, line.parent_wa_id) == (name, sex, born, phone)
    assert line.weight_kg is not None and line.lenhei_cm is not None


def test_a_number_cut_short_is_asked_for_not_guessed():
    """The example's "ortu 0812…" copied as it is: the number is asked, with the hint; the rest stands."""
    line = read("baru: Lestari P 12-05-2024 8,1 71 ortu 0812…")

    assert (line.parent_wa_id, line.parent_given, line.weight_kg) == (None, True, 8.1)
    assert line.problems == (Invalid("invalid_phone"),)


@pytest.mark.parametrize(
    "text,problem",
    [
        ("baru: Lestari P 12-05-2026 8,1 71", "date_in_future"),
        ("baru: Lestari P 12-05-2019 8,1 71", "child_too_old"),  # five or older: outside the standard
        ("baru: Lestari P 12-05-2024 8,1 71 laki-laki", "invalid_sex"),  # both: asked
    ],
)
def test_a_new_childs_slip_is_asked_again(text, problem):
    assert [p.key for p in read(text).problems] == [problem]


def test_baru_alone_starts_a_new_child_with_everything_to_ask():
    line = read("baru")

    assert line is not None and line.new and not line.measured and line.query == ""


# --- the parent's number and REKAP --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("0812 3456 7890", "6281234567890"),
        ("+62 812-3456-7890", "6281234567890"),
        ("62812345678", "62812345678"),
        ("(0812) 3456.7890", "6281234567890"),
        ("0212345678", Invalid("invalid_phone")),  # a Jakarta landline: not on WhatsApp
        ("0812", Invalid("invalid_phone")),
        ("", Invalid("invalid_phone")),
    ],
)
def test_parse_phone_reads_an_indonesian_mobile_number(text, expected):
    assert parse_phone(text) == expected


@pytest.mark.parametrize("text,wanted", [("REKAP", True), ("rekap hari ini", True), ("Ringkasan", True),
                                         ("selesai bu", True), ("rekap ya kak", True), ("Rekap Fajar", False),
                                         ("Fajar 9,8 76", False)])
def test_recap_words(text, wanted):
    assert asks_recap(text) is wanted
