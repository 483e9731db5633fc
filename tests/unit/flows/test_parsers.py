"""The parsers read what parents and kader really type (domain-id D6) and answer bad input with an Invalid key."""
from datetime import date, timedelta

import pytest

from shared.flows.parsers import (
    Invalid,
    QuickEntry,
    extract_quick_entry,
    greeting,
    normalise,
    parse_choice,
    parse_date,
    parse_measure,
    parse_number,
    parse_sex,
    parse_yes_no,
    says_kader,
    wants_no_messages,
)

TODAY = date(2024, 6, 15)
WEIGHT = {"lo": 0.5, "hi": 60.0, "unit": "kg"}
LENHEI = {"lo": 35.0, "hi": 150.0, "unit": "cm"}


# --- parse_number -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("7.5kg", 7.5),
        ("7,5 kg", 7.5),
        ("9 koma 8", 9.8),
        ("9 koma 08", 9.1),  # 9.08 rounds half up to one decimal
        ("BB 8,2", 8.2),
        ("bb: 8,2 kg", 8.2),
        ("berat badan 10", 10.0),
        ("10", 10.0),
        ("sembilan koma delapan", 9.8),
        ("tujuh setengah", 7.5),
        ("7 setengah kg", 7.5),
        ("7½ kg", 7.5),
        ("dua belas", 12.0),
        ("sekilo", 1.0),
        ("12 kg 500 gram", 12.5),
        ("2 kg 3 ons", 2.3),
        ("9100 gr", 9.1),
        ("3.200 gram", 3.2),  # thousands dot with grams: nobody weighs in fractions of a gram
        ("9.100", 9.1),  # a single separator is a decimal mark (and 9100 g is 9.1 kg too)
        ("9,100", 9.1),
        ("9100", 9.1),  # above the range as kg, in range as grams
        ("8,25", 8.3),  # half up, as people round
        ("8,2 (8.2)", 8.2),  # the same number twice is one number
        ("Bun, bb anak sy 8,2 kg ya 🙏", 8.2),
        ("*8,2*", 8.2),
        ("bb 8,2 tb 76", 8.2),  # tb labels a length: not the weight asked for
        ("umur 9 bulan bb 8,5", 8.5),
        ("９,１", 9.1),  # full-width digits from some keyboards
    ],
)
def test_reads_weights_as_written(text, expected):
    """Decimal comma or point, units or none, number words and grams all give kilograms."""
    assert parse_number(text, **WEIGHT) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("76 cm", 76.0),
        ("  82,5cm ", 82.5),
        ("76,5", 76.5),
        ("delapan puluh", 80.0),
        ("delapan puluh dua koma lima", 82.5),
        ("seratus dua", 102.0),
        ("1,02 m", 102.0),
        ("765 mm", 76.5),
        ("TB: 76 cm", 76.0),
        ("pb 70", 70.0),
        ("panjang badan 70,5 senti", 70.5),
    ],
)
def test_reads_lengths_as_written(text, expected):
    """Centimetres with or without the unit; metres and millimetres are converted."""
    assert parse_number(text, **LENHEI) == expected


@pytest.mark.parametrize(
    "text,kwargs,expected",
    [
        ("", WEIGHT, Invalid("invalid_number")),
        ("   ", WEIGHT, Invalid("invalid_number")),
        ("belum ditimbang", WEIGHT, Invalid("invalid_number")),
        ("abc", WEIGHT, Invalid("invalid_number")),
        ("3-1-2024", WEIGHT, Invalid("invalid_number")),  # a date where a number was asked
        ("3 Januari 2024", WEIGHT, Invalid("invalid_number")),
        ("081234567890123", WEIGHT, Invalid("invalid_number")),  # a phone number or NIK, not a weight
        ("1.2.3", WEIGHT, Invalid("invalid_number")),
        ("8 atau 9", WEIGHT, Invalid("ambiguous_number", {"first": 8.0, "second": 9.0})),
        ("8-9 kg", WEIGHT, Invalid("ambiguous_number", {"first": 8.0, "second": 9.0})),
        ("dua tiga", WEIGHT, Invalid("ambiguous_number", {"first": 2.0, "second": 3.0})),
        ("76 cm", WEIGHT, Invalid("wrong_unit", {"unit": "kg", "given": "cm"})),
        ("tb 76", WEIGHT, Invalid("wrong_unit", {"unit": "kg", "given": "cm"})),
        ("9 kg", LENHEI, Invalid("wrong_unit", {"unit": "cm", "given": "kg"})),
        ("16 bulan", WEIGHT, Invalid("wrong_unit", {"unit": "kg", "given": "months"})),
        ("91", WEIGHT, Invalid("number_out_of_range", {"min": 0.5, "max": 60.0, "unit": "kg", "value": 91.0})),
        ("0,3", WEIGHT, Invalid("number_out_of_range", {"min": 0.5, "max": 60.0, "unit": "kg", "value": 0.3})),
        ("-5", WEIGHT, Invalid("number_out_of_range", {"min": 0.5, "max": 60.0, "unit": "kg", "value": -5.0})),
        ("200000", WEIGHT,
         Invalid("number_out_of_range", {"min": 0.5, "max": 60.0, "unit": "kg", "value": 200000.0})),
        ("7,6", LENHEI, Invalid("number_out_of_range", {"min": 35.0, "max": 150.0, "unit": "cm", "value": 7.6})),
        ("1760", LENHEI,
         Invalid("number_out_of_range", {"min": 35.0, "max": 150.0, "unit": "cm", "value": 1760.0})),
    ],
)
def test_answers_unusable_numbers_with_a_key(text, kwargs, expected):
    """No number, two numbers, the wrong quantity or an implausible value each get their own message key."""
    assert parse_number(text, **kwargs) == expected


@pytest.mark.parametrize("text,expected", [("0,5", 0.5), ("60", 60.0), ("0,45", 0.5), ("60,04", 60.0)])
def test_range_bounds_are_inclusive_after_rounding(text, expected):
    """lo and hi themselves are accepted; the check uses the value as rounded to `decimals`."""
    assert parse_number(text, **WEIGHT) == expected


def test_rounds_to_the_decimals_asked():
    """decimals=2 keeps a digital scale's 9.05 kg; decimals=0 gives whole numbers."""
    assert parse_number("9,05", lo=0.5, hi=60, unit="kg", decimals=2) == 9.05
    assert parse_number("76,6", lo=35, hi=150, unit="cm", decimals=0) == 77.0


def test_number_without_a_unit_parameter_keeps_what_was_typed():
    """With no unit asked, units in the answer are neither converted nor refused."""
    assert parse_number("7,5 kg", lo=0, hi=100) == 7.5
    assert parse_number("1,5 tahun", lo=0, hi=100) == 1.5


def test_months_unit_converts_years():
    """Asked in months, "1,5 tahun" is 18 and "2th 1bln" is 25."""
    assert parse_number("1,5 tahun", lo=0, hi=72, unit="bulan") == 18.0
    assert parse_number("2th 1bln", lo=0, hi=72, unit="bulan") == 25.0


# --- parse_date ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("03-01-2024", date(2024, 1, 3)),
        ("3-1-2024", date(2024, 1, 3)),
        ("03/01/2024", date(2024, 1, 3)),
        ("03.01.2024", date(2024, 1, 3)),
        ("3/1/24", date(2024, 1, 3)),
        ("12/3/23", date(2023, 3, 12)),  # D6: day first, always
        ("12-03-2023", date(2023, 3, 12)),
        ("3 - 1 - 2024", date(2024, 1, 3)),
        ("3 Januari 2024", date(2024, 1, 3)),
        ("3 jan 2024", date(2024, 1, 3)),
        ("3 Jan. 2024", date(2024, 1, 3)),
        ("3 jan 24", date(2024, 1, 3)),
        ("21 april 2023", date(2023, 4, 21)),
        ("12 Maret 2023", date(2023, 3, 12)),
        ("30 - Oktober - 2014", date(2014, 10, 30)),
        ("17 agustus 2022", date(2022, 8, 17)),
        ("17-agu-2022", date(2022, 8, 17)),
        ("17 agt 2022", date(2022, 8, 17)),
        ("17 agus 2022", date(2022, 8, 17)),
        ("17 ags 2022", date(2022, 8, 17)),
        ("1 Mei 2023", date(2023, 5, 1)),
        ("1 may 2023", date(2023, 5, 1)),
        ("5 Sept 2022", date(2022, 9, 5)),
        ("5 okt 2022", date(2022, 10, 5)),
        ("5 nop 2022", date(2022, 11, 5)),
        ("25 Des 2022", date(2022, 12, 25)),
        ("25 december 2022", date(2022, 12, 25)),
        ("2 pebruari 2023", date(2023, 2, 2)),
        ("January 3, 2024", date(2024, 1, 3)),  # a named month is never ambiguous
        ("2024-01-03", date(2024, 1, 3)),
        ("lahir 17 agustus 2022", date(2022, 8, 17)),
        ("tgl lahir: 03-01-2024", date(2024, 1, 3)),
        ("Senin, 3 Juni 2024 kak", date(2024, 6, 3)),
        ("03 01 2024", date(2024, 1, 3)),
        ("03012024", date(2024, 1, 3)),
        ("20240103", date(2024, 1, 3)),
        ("29-02-2024", date(2024, 2, 29)),
        ("hari ini", TODAY),
        ("Hari ini kak", TODAY),
        ("today", TODAY),
        ("kemarin", TODAY - timedelta(days=1)),
        ("kemaren bun", TODAY - timedelta(days=1)),
        ("yesterday", TODAY - timedelta(days=1)),
        ("15-06-2024", TODAY),
    ],
)
def test_reads_dates_as_written(text, expected):
    """Numeric day-month-year, Indonesian and English month names, ISO and "kemarin" all parse."""
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("3/1/99", date(1999, 1, 3)),
        ("3/1/00", date(2000, 1, 3)),
        ("3/1/24", date(2024, 1, 3)),
        ("3/1/25", date(1925, 1, 3)),  # 2025 is still to come
    ],
)
def test_two_digit_years_are_this_century_unless_that_year_is_to_come(text, expected):
    """yy is 20yy when that year has begun, otherwise 19yy."""
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", Invalid("invalid_date")),
        ("abc", Invalid("invalid_date")),
        ("belum tahu", Invalid("invalid_date")),
        ("9,1", Invalid("invalid_date")),
        ("31-02-2023", Invalid("impossible_date", {"day": 31, "month": 2, "year": 2023})),
        ("29-02-2023", Invalid("impossible_date", {"day": 29, "month": 2, "year": 2023})),
        ("32 januari 2024", Invalid("impossible_date", {"day": 32, "month": 1, "year": 2024})),
        ("00-01-2024", Invalid("impossible_date", {"day": 0, "month": 1, "year": 2024})),
        ("12/25/2023", Invalid("impossible_date", {"day": 12, "month": 25, "year": 2023})),  # never month-first
        ("3-1-1024", Invalid("impossible_date", {"day": 3, "month": 1, "year": 1024})),
        ("3 januari", Invalid("incomplete_date")),
        ("januari 2024", Invalid("incomplete_date")),
        ("16-06-2024", Invalid("date_in_future", {"date": date(2024, 6, 16), "today": TODAY})),
        ("3 Januari 2025", Invalid("date_in_future", {"date": date(2025, 1, 3), "today": TODAY})),
        ("3-1-2024 atau 4-1-2024",
         Invalid("ambiguous_date", {"first": date(2024, 1, 3), "second": date(2024, 1, 4)})),
    ],
)
def test_answers_unusable_dates_with_a_key(text, expected):
    """Nothing, an impossible day, a missing year, a future date or two dates each get their own key."""
    assert parse_date(text, today=TODAY) == expected


def test_date_before_earliest_is_too_early():
    """`earliest` bounds the answer from below, and the message can say which date that is."""
    earliest = date(2019, 6, 15)

    assert parse_date("14-06-2019", today=TODAY, earliest=earliest) == Invalid(
        "date_too_early", {"date": date(2019, 6, 14), "earliest": earliest})
    assert parse_date("15-06-2019", today=TODAY, earliest=earliest) == earliest


def test_date_params_format_in_catalogue_messages():
    """Dates in params are date objects, so a catalogue template can format them day-first."""
    invalid = parse_date("3 Januari 2025", today=TODAY)

    assert "{date:%d-%m-%Y}".format(**invalid.params) == "03-01-2025"


# --- parse_sex, parse_yes_no, parse_measure -----------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("L", "M"), ("l", "M"), ("laki-laki", "M"), ("Laki laki", "M"), ("laki2", "M"), ("lakilaki", "M"),
        ("lk", "M"), ("cowok", "M"), ("cowo", "M"), ("pria", "M"), ("putra", "M"), ("anak laki", "M"),
        ("anak laki-laki kak", "M"), ("lelaki", "M"), ("boy", "M"), ("male", "M"), ("M", "M"),
        ("JK: L", "M"), ("cowokk 😊", "M"),
        ("P", "F"), ("p", "F"), ("perempuan", "F"), ("Perempuan.", "F"), ("cewek", "F"), ("cewe", "F"),
        ("pr", "F"), ("wanita", "F"), ("putri", "F"), ("anak perempuan", "F"), ("girl", "F"), ("female", "F"),
        ("F", "F"), ("jenis kelamin: P", "F"), ("anak sy cewek bun", "F"),
    ],
)
def test_reads_sex_as_written(text, expected):
    """L/P, colloquial and English words map to M/F; a lone "P" in this step means perempuan, not a ping."""
    assert parse_sex(text) == expected


@pytest.mark.parametrize("text", ["", "x", "anak", "laki perempuan", "cowok cewek", "bukan cowok", "1", "halo",
                                  "l p"])
def test_unclear_sex_is_invalid(text):
    """Nothing, both, or a negation alone is not an answer."""
    assert parse_sex(text) == Invalid("invalid_sex")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ya", True), ("Ya", True), ("iya", True), ("iyaa kak", True), ("y", True), ("yes", True), ("ok", True),
        ("oke", True), ("okee", True), ("setuju", True), ("boleh", True), ("betul", True), ("benar", True),
        ("siap bun", True), ("👍", True), ("gpp", True), ("tidak apa-apa", True), ("ga papa", True),
        ("tidak", False), ("Tidak.", False), ("tdk", False), ("gak", False), ("ga", False), ("nggak", False),
        ("enggak", False), ("no", False), ("n", False), ("jangan", False), ("tolak", False), ("belum", False),
        ("tidak setuju", False), ("gak boleh", False), ("tidak, terima kasih", False), ("👎", False),
    ],
)
def test_reads_yes_and_no(text, expected):
    """Indonesian, colloquial and English yes/no words; "gak boleh" is one no, "gpp" is a yes."""
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize("text", ["", "hmm", "ya tidak", "mungkin", "👍👎", "3"])
def test_unclear_yes_no_is_invalid(text):
    """Neither or both is not an answer."""
    assert parse_yes_no(text) == Invalid("invalid_yes_no")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("telentang", "l"), ("terlentang", "l"), ("berbaring", "l"), ("baring", "l"), ("tidur", "l"),
        ("rebahan", "l"), ("PB", "l"), ("lying", "l"), ("length", "l"), ("diukur berbaring kak", "l"),
        ("belum bisa berdiri", "l"),
        ("berdiri", "h"), ("TB", "h"), ("standing", "h"), ("height", "h"), ("sambil berdiri", "h"),
        ("bukan berdiri tapi berbaring", "l"),
    ],
)
def test_reads_measuring_position(text, expected):
    """Lying words give 'l', standing words 'h'; "belum bisa berdiri" means it was measured lying."""
    assert parse_measure(text) == expected


@pytest.mark.parametrize("text", ["", "x", "berdiri dan berbaring", "1"])
def test_unclear_position_is_invalid(text):
    """Neither or both is not an answer."""
    assert parse_measure(text) == Invalid("invalid_measure")


# --- parse_choice -------------------------------------------------------------------------------------------

LANGS = {"id": "Bahasa Indonesia", "en": "English"}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1", "id"), ("2", "en"), ("1.", "id"), ("(2)", "en"), ("no 2", "en"), ("pilih 1", "id"), ("1️⃣", "id"),
        ("kedua", "en"), ("id", "id"), ("EN", "en"), ("english", "en"), ("  ENGLISH ", "en"),
        ("bahasa indonesia", "id"), ("BahasaIndonesia", "id"), ("bahasa  indonesia", "id"), ("eng", "en"),
        ("bahasa", "id"),
    ],
)
def test_reads_a_choice_by_number_id_or_label(text, expected):
    """The menu number, the id, the label (any case or spacing) or a unique start of it."""
    assert parse_choice(text, LANGS) == expected


@pytest.mark.parametrize("text", ["", "3", "0", "x", "1 2", "-1"])
def test_unknown_choice_is_invalid(text):
    """Out-of-range numbers and unknown words are invalid, with the option count for the message."""
    assert parse_choice(text, LANGS) == Invalid("invalid_choice", {"count": 2})


def test_a_bare_number_is_the_menu_position_even_when_ids_are_numbers():
    """Ids such as database keys are never shown, so "1" means the first row as listed."""
    children = {"7": "Budi", "3": "Ani"}

    assert (parse_choice("1", children), parse_choice("2", children)) == ("7", "3")
    assert parse_choice("ani", children) == "3"
    assert parse_choice("7", children) == "7"  # out of range as a position: the id itself


def test_choice_labels_may_be_alternatives():
    """A tuple of labels lets one option answer to several names."""
    options = {"M": ("Laki-laki", "L", "cowok"), "F": ("Perempuan", "P", "cewek")}

    assert [parse_choice(t, options) for t in ("cowok", "p", "laki laki", "2")] == ["M", "F", "M", "F"]


def test_ambiguous_label_start_is_invalid():
    """A prefix shared by two labels picks neither."""
    assert parse_choice("anak", {"a": "Anak pertama", "b": "Anak kedua"}) == Invalid("invalid_choice",
                                                                                       {"count": 2})


def test_no_options_is_invalid():
    """An empty menu accepts nothing."""
    assert parse_choice("1", {}) == Invalid("invalid_choice", {"count": 0})


# --- normalise ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text,expected",
    [
        ("Assalamualaikum bun, anak sy cewek lahir 21 april 2023 bb 8,2 kg pb 70 🙏",
         "cewek lahir 21 april 2023 bb 8,2 kg pb 70"),
        ("Assalamu'alaikum wr wb", ""),
        ("Halo kak!!", ""),
        ("Selamat pagi bu bidan, mohon dicek ya", "dicek"),
        ("halo kak 3-1-2024 9,1 kg", "3-1-2024 9,1 kg"),
        ("Min, tolong dong anak saya 7.5kg 😭😭", "7.5kg"),
        ("30 - Oktober - 2014", "30 oktober 2014"),
        ("  UKUR   ", "ukur"),
        ("P", "p"),
    ],
)
def test_normalise_strips_greetings_and_filler_not_data(text, expected):
    """Greetings, honorifics, filler and emoji go; numbers, dates and meaningful words stay."""
    assert normalise(text) == expected


# --- extract_quick_entry ------------------------------------------------------------------------------------

# TB/PB no longer set `measure` (a deliberate change): parents write "tb" for any length, a baby's measured lying
# too, so the label only goes into `lenhei_label` and the conversation asks the position when it matters.
@pytest.mark.parametrize(
    "text,fields",
    [
        ("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm",
         {"sex": "M", "birth_date": date(2024, 1, 3), "weight_kg": 9.1, "lenhei_cm": 76.0, "lenhei_label": "tb"}),
        ("Assalamualaikum bun, anak sy cewek lahir 21 april 2023 bb 8,2 kg pb 70",
         {"sex": "F", "birth_date": date(2023, 4, 21), "weight_kg": 8.2, "lenhei_cm": 70.0, "lenhei_label": "pb"}),
        ("Selamat pagi bu bidan. Anak saya perempuan, tgl lahir 12/3/23, berat 9 kg panjang 74,5 cm",
         {"sex": "F", "birth_date": date(2023, 3, 12), "weight_kg": 9.0, "lenhei_cm": 74.5, "lenhei_label": "pb"}),
        ("Nama: Putri Ayu\nJK: L\nTgl lahir: 03-01-2024\nBB: 9,1\nTB: 76\nLK: 45\nLILA: 14,5",
         {"sex": "M", "birth_date": date(2024, 1, 3), "weight_kg": 9.1, "lenhei_cm": 76.0, "lenhei_label": "tb",
          "headc_cm": 45.0, "armc_cm": 14.5}),
        ("L 3-1-2024 bb 9,1 pb 76",
         {"sex": "M", "birth_date": date(2024, 1, 3), "weight_kg": 9.1, "lenhei_cm": 76.0, "lenhei_label": "pb"}),
        ("bb 10 tb 80", {"weight_kg": 10.0, "lenhei_cm": 80.0, "lenhei_label": "tb"}),
        ("9,1 kg 76 cm", {"weight_kg": 9.1, "lenhei_cm": 76.0}),  # unlabelled: by unit, position unknown
        ("anak saya 16 bulan beratnya 9 kg, tinggi 76 diukur telentang",
         {"age_months": 16.0, "weight_kg": 9.0, "lenhei_cm": 76.0, "measure": "l", "lenhei_label": "tb"}),
        ("umur 2th 1bln bb 11 kg", {"age_months": 25.0, "weight_kg": 11.0}),
        ("usia 1,5 tahun, berat badan 10,2", {"age_months": 18.0, "weight_kg": 10.2}),
        ("2 thn, cowok", {"age_months": 24.0, "sex": "M"}),
        ("lahir 3/1/24 ditimbang kemarin bb 9.100 gr", {"birth_date": date(2024, 1, 3),
                                                         "measured_on": TODAY - timedelta(days=1),
                                                         "weight_kg": 9.1}),
        ("lahir 3-1-2024, tgl ukur 10-6-2024", {"birth_date": date(2024, 1, 3), "measured_on": date(2024, 6, 10)}),
        ("10-6-2024 3-1-2024", {"birth_date": date(2024, 1, 3), "measured_on": date(2024, 6, 10)}),
        ("bb lahir 3200 gr, lahir 3-1-2024, bb 9100", {"birth_date": date(2024, 1, 3), "weight_kg": 9.1}),
        ("anak ke 2 lahir 3 jan 2024", {"birth_date": date(2024, 1, 3)}),
        ("lk 45 cm", {"headc_cm": 45.0}),
        ("lingkar kepala 45, lingkar lengan atas 14", {"headc_cm": 45.0, "armc_cm": 14.0}),
        ("anak lk lahir 3-1-2024", {"sex": "M", "birth_date": date(2024, 1, 3)}),  # "lk" without a number
        ("pb/tb 76", {"lenhei_cm": 76.0}),
        ("tb 76 pb 76", {"lenhei_cm": 76.0}),  # one length under both labels: which word is unknown, no conflict
        ("BB/TB 9,1/76", {"weight_kg": 9.1, "lenhei_cm": 76.0, "lenhei_label": "tb"}),
        ("tb 76/bb 9", {"weight_kg": 9.0, "lenhei_cm": 76.0, "lenhei_label": "tb"}),
        ("Anak sy umur 10 bln BB 7,5 PB 68 cm, normal gak bun?",
         {"age_months": 10.0, "weight_kg": 7.5, "lenhei_cm": 68.0, "lenhei_label": "pb"}),
        ("cowok lahir 3 jan 24 bb 9.1 kg tb 76.5cm lk 45 lila 14",
         {"sex": "M", "birth_date": date(2024, 1, 3), "weight_kg": 9.1, "lenhei_cm": 76.5, "lenhei_label": "tb",
          "headc_cm": 45.0, "armc_cm": 14.0}),
        ("Halo kak\nanak saya cowo\nlahir 30 - Oktober - 2022\nberat 12,4 kg\ntinggi 88 cm",
         {"sex": "M", "birth_date": date(2022, 10, 30), "weight_kg": 12.4, "lenhei_cm": 88.0, "lenhei_label": "tb"}),
        ("tb 76 cm sudah bisa berdiri", {"lenhei_cm": 76.0, "lenhei_label": "tb"}),  # a milestone, not the position
        ("pb 70, belum bisa berdiri", {"lenhei_cm": 70.0, "measure": "l", "lenhei_label": "pb"}),  # can't stand yet
        ("cowok bb 12 kg 500 gram", {"sex": "M", "weight_kg": 12.5}),
        ("bb turun 2 bulan terakhir, sekarang 9 kg", {"weight_kg": 9.0}),  # a span of time, not an age
        ("sembilan kilo, tujuh puluh enam senti", {"weight_kg": 9.0, "lenhei_cm": 76.0}),
    ],
)
def test_quick_entry_reads_everything_one_message_holds(text, fields):
    """One message with labels, units, greetings and line breaks gives every field it holds, and no others."""
    entry = extract_quick_entry(text, today=TODAY)

    assert entry.fields() == fields
    assert entry.problems == ()


@pytest.mark.parametrize("text", ["", "P", "halo kak", "Assalamualaikum", "mau tanya bun", "🙏", "ukur"])
def test_quick_entry_of_a_greeting_is_empty(text):
    """A greeting or a bare "P" ping holds no fields and no problems."""
    entry = extract_quick_entry(text, today=TODAY)

    assert entry.is_empty
    assert entry == QuickEntry()


def test_lone_letter_counts_as_sex_only_beside_other_data():
    """"P" alone is a ping, but "P" in a message with a date is perempuan."""
    assert extract_quick_entry("P", today=TODAY).sex is None
    assert extract_quick_entry("P\nlahir 3-1-2024", today=TODAY).sex == "F"


def test_name_words_are_not_read_as_sex():
    """"Putri" right after "nama" is a name; the sex comes from its own line."""
    entry = extract_quick_entry("nama putri\njk p\nlahir 3-1-2024", today=TODAY)

    assert entry.sex == "F"
    entry = extract_quick_entry("nama: Putra Pratama\nperempuan", today=TODAY)
    assert entry.sex == "F"


@pytest.mark.parametrize(
    "text,fields,problems",
    [
        ("bb 9,1 bb 9,5", {},
         [Invalid("conflicting_values", {"field": "weight_kg", "first": 9.1, "second": 9.5})]),
        ("cowok, eh cewek, lahir 3-1-2024", {"birth_date": date(2024, 1, 3)},
         [Invalid("conflicting_values", {"field": "sex", "first": "M", "second": "F"})]),
        ("tb 76 berdiri berbaring", {"lenhei_cm": 76.0, "lenhei_label": "tb"},
         [Invalid("conflicting_values", {"field": "measure", "first": "h", "second": "l"})]),
        ("lahir 3-1-2024 lahir 4-1-2024", {},
         [Invalid("conflicting_values", {"field": "birth_date", "first": date(2024, 1, 3),
                                         "second": date(2024, 1, 4)})]),
        ("tb 160 bb 9", {"weight_kg": 9.0},
         [Invalid("number_out_of_range", {"field": "lenhei_cm", "min": 35.0, "max": 150.0, "unit": "cm",
                                          "value": 160.0})]),  # the same range as the asked question
        ("bb 200 tb 76", {"lenhei_cm": 76.0, "lenhei_label": "tb"},
         [Invalid("number_out_of_range", {"field": "weight_kg", "min": 0.5, "max": 60.0, "unit": "kg",
                                          "value": 200.0})]),
        ("tb 7,6 bb 9", {"weight_kg": 9.0},
         [Invalid("number_out_of_range", {"field": "lenhei_cm", "min": 35.0, "max": 150.0, "unit": "cm",
                                          "value": 7.6})]),
        ("lk 76 lila 50", {},
         [Invalid("number_out_of_range", {"field": "headc_cm", "min": 25.0, "max": 60.0, "unit": "cm",
                                          "value": 76.0}),
          Invalid("number_out_of_range", {"field": "armc_cm", "min": 5.0, "max": 35.0, "unit": "cm",
                                          "value": 50.0})]),
        ("bb 76 cm", {}, [Invalid("wrong_unit", {"field": "weight_kg", "unit": "kg", "given": "cm"})]),
        ("umur 25 tahun", {},
         [Invalid("number_out_of_range", {"field": "age_months", "min": 0.0, "max": 240.0, "unit": "months",
                                          "value": 300.0})]),
        ("lahir 31-02-2023 bb 9", {"weight_kg": 9.0},
         [Invalid("impossible_date", {"day": 31, "month": 2, "year": 2023, "field": "birth_date"})]),
        ("lahir 3 januari, bb 9", {"weight_kg": 9.0}, [Invalid("incomplete_date", {"field": "birth_date"})]),
        ("lahir 2023 bb 9", {"weight_kg": 9.0}, [Invalid("incomplete_date", {"field": "birth_date"})]),
        ("cowok lahir 3-1-2025", {"sex": "M"},
         [Invalid("date_in_future", {"date": date(2025, 1, 3), "today": TODAY, "field": "birth_date"})]),
        ("lahir 3-1-2024 diukur 2-1-2024", {"birth_date": date(2024, 1, 3)},
         [Invalid("measured_before_birth", {"birth_date": date(2024, 1, 3), "measured_on": date(2024, 1, 2)})]),
    ],
)
def test_quick_entry_reports_problems_and_keeps_the_rest(text, fields, problems):
    """Implausible, conflicting or impossible values become problems; the field stays None, the rest is kept."""
    entry = extract_quick_entry(text, today=TODAY)

    assert entry.fields() == fields
    assert list(entry.problems) == problems


def test_quick_entry_bounds_the_birth_date_when_asked():
    """earliest_birth turns a too-old birth date into date_too_early with the bound in params."""
    earliest = date(2019, 6, 15)

    entry = extract_quick_entry("lahir 3-1-2018 bb 15", today=TODAY, earliest_birth=earliest)

    assert entry.birth_date is None
    assert entry.problems == (Invalid("date_too_early", {"date": date(2018, 1, 3), "earliest": earliest,
                                                         "field": "birth_date"}),)


def test_quick_entry_fields_and_is_empty():
    """fields() names only what was found; is_empty is true for a message with only problems."""
    assert extract_quick_entry("bb 200", today=TODAY).is_empty
    assert extract_quick_entry("bb 9", today=TODAY).fields() == {"weight_kg": 9.0}
    assert not extract_quick_entry("bb 9", today=TODAY).is_empty


@pytest.mark.parametrize(
    "text,measure,lenhei_label",
    [
        ("bb 7,5 tb 68", None, "tb"),  # a 10-month-old measured lying: parents still write "tb"
        ("pb 70", None, "pb"),
        ("tinggi badan 88 cm", None, "tb"),
        ("tbnya 76", None, "tb"),
        ("panjang 70,5", None, "pb"),
        ("BB/PB 8,2/70", None, "pb"),
        ("76 cm", None, None),  # no label at all
        ("tb 72 diukur telentang", "l", "tb"),  # the word decides, the label is only recorded
        ("tb 72 terlentang", "l", "tb"),
        ("tb 72 berbaring", "l", "tb"),
        ("tb 72 baring", "l", "tb"),
        ("tb 72 tiduran", "l", "tb"),
        ("tb 72 rebahan", "l", "tb"),
        ("tb 72 diukur tidur", "l", "tb"),
        ("pb 72 sambil tidur", "l", "pb"),
        ("susah tidur bun, tb 72", None, "tb"),  # "tidur" alone is how the child sleeps, not how it was measured
        ("pb 95 berdiri", "h", "pb"),  # a 3-year-old measured standing but written "pb": the word wins
        ("tinggi 95 cm, diukur berdiri", "h", "tb"),
        ("tb 70, belum bisa berdiri", "l", "tb"),  # cannot stand yet, so it was measured lying
        ("length 72 cm lying", "l", None),
        ("height 95 cm standing", "h", None),
    ],
)
def test_quick_entry_takes_the_position_from_words_and_keeps_the_label(text, measure, lenhei_label):
    """Only words such as telentang or berdiri set `measure`; TB/PB only say which label the length came with."""
    entry = extract_quick_entry(text, today=TODAY)

    assert (entry.measure, entry.lenhei_label) == (measure, lenhei_label)
    assert entry.problems == ()


@pytest.mark.parametrize(
    "text,oedema",
    [
        ("kaki tidak bengkak", False),
        ("tidak bengkak", False),
        ("gak bengkak kok bun", False),
        ("ga ada bengkak", False),
        ("tidak ada edema", False),
        ("tanpa bengkak", False),
        ("tidak ada tanda bengkak di kedua punggung kaki", False),
        ("bengkak di kaki tidak ada", False),  # negated after the swelling, at the end of the clause
        ("edema: tidak", False),  # register style, as kader fill in a form
        ("edema (-)", False),
        ("no swelling", False),
        ("feet not swollen", False),
        ("bb tidak naik, tidak bengkak", False),  # the first "tidak" belongs to the weight
        ("kedua kaki bengkak", True),
        ("kakinya bengkak bun", True),
        ("bengkak di kaki", True),
        ("edema", True),  # the word itself names oedema, no body part needed
        ("muka dan kaki bengkak", True),  # grade +++ reaches the face; the feet still say it
        ("tidak demam, kaki bengkak", True),  # the negation belongs to the fever
        ("tidak demam kaki bengkak", True),  # even without the comma
        ("gak mau makan, kakinya bengkak", True),
        ("swollen feet", True),
        ("bengkak", None),  # swelling of what? only the feet and legs make it oedema
        ("gusinya bengkak, lagi tumbuh gigi", None),
        ("pipinya bengkak", None),
        ("paha bengkak bekas imunisasi", None),  # a reaction to the jab
        ("kaki bengkak habis imunisasi", None),  # on a leg, but still the jab
        ("kaki bengkak gak ya?", None),  # a question, not a statement
        ("tangan tidak bengkak tapi kaki bengkak", None),  # both said: the conversation asks
        ("bb 9 kg tb 76", None),
    ],
)
def test_quick_entry_reads_oedema_said_in_words(text, oedema):
    """Swollen feet or "edema" are True, an explicit no-swelling is False, anything else None."""
    entry = extract_quick_entry(text, today=TODAY)

    assert entry.oedema is oedema
    assert ("oedema" in entry.fields()) == (oedema is not None)


@pytest.mark.parametrize(
    "text,weight,previous",
    [
        ("anak sy GTM udah 2 minggu, bb turun dr 10,1 jd 9,7 kg", 9.7, 10.1),  # the message the change is for
        ("bb 10,1 turun jadi 9,7", 9.7, 10.1),  # the second number has no unit: "jadi" makes it a weight
        ("berat naik dari 8,2 jadi 8,5 kg", 8.5, 8.2),
        ("dari 10,1 kg sekarang 9,7 kg", 9.7, 10.1),
        ("bb bulan lalu 10,1 kg skrg 9,7 kg", 9.7, 10.1),
        ("BB turun dari 10,1 ke 9,7 kg", 9.7, 10.1),  # "ke" after "dari"
        ("bb 10,1 turun tinggal 9,7", 9.7, 10.1),
        ("bb gak naik, dari 9,1 jadi 9,1 kg", 9.1, 9.1),  # the same weight twice is a T (tidak naik), worth keeping
        ("bb 9,1 kg naik 0,3 kg jadi 9,4 kg", 9.4, 9.1),  # 0,3 kg is the gain, not a weight
        ("bb dari 10,5 jadi 10,1 sekarang 9,7 kg", 9.7, 10.1),  # the weighing just before now
        ("weight dropped from 10.1 to 9.7 kg", 9.7, 10.1),
        ("naik 500 gram jadi 9,5 kg", 9.5, None),  # the gain alone is no earlier weight
        ("bb naik 0,5 kg bun", None, None),  # a gain, not a child of half a kilo
        ("alhamdulillah bb naik jadi 9,5 kg", 9.5, None),
        ("bb 9 tb 76 sekarang 80", 9.0, None),  # "sekarang" follows a length here: 80 stays unread
        ("bb 9 kg sekarang 80", 9.0, None),  # 80 cannot be a weight: a bare number, unread as before
        ("bb 9 kg, anak sy lahir di rs bunda, sekarang 9,5", 9.0, None),  # "sekarang" too far from the weight
    ],
)
def test_quick_entry_reads_two_weights_with_change_words_as_a_history(text, weight, previous):
    """With turun/naik/dari…jadi the earlier weight is previous_weight_kg and the later one weight_kg."""
    entry = extract_quick_entry(text, today=TODAY)

    assert (entry.weight_kg, entry.previous_weight_kg) == (weight, previous)
    assert entry.problems == ()


@pytest.mark.parametrize(
    "text,first,second",
    [
        ("bb 9,1 bb 9,5", 9.1, 9.5),
        ("bb 9,1 atau 9,5 kg", 9.1, 9.5),
        ("bb 9 kg ke posyandu, bb 9,5", 9.0, 9.5),  # "ke" without "dari" is a trip, not a change
    ],
)
def test_two_weights_without_change_words_stay_a_conflict(text, first, second):
    """Two different weights with nothing saying which came first are asked again, as before."""
    entry = extract_quick_entry(text, today=TODAY)

    assert (entry.weight_kg, entry.previous_weight_kg) == (None, None)
    assert entry.problems == (Invalid("conflicting_values", {"field": "weight_kg", "first": first,
                                                             "second": second}),)


@pytest.mark.parametrize(
    "text,concerns",
    [
        ("anak sy GTM udah 2 minggu", ("food_refusal",)),
        ("lagi gerakan tutup mulut bun", ("food_refusal",)),
        ("anak sy tidak mau makan", ("food_refusal",)),
        ("gak mau makan sayur", ("food_refusal",)),
        ("ga mau mkn", ("food_refusal",)),
        ("tdk mau makan", ("food_refusal",)),
        ("gamau makan", ("food_refusal",)),
        ("susah makan", ("food_refusal",)),
        ("sulit makan nasi", ("food_refusal",)),
        ("nafsu makan turun", ("food_refusal",)),
        ("nafsu makannya berkurang", ("food_refusal",)),
        ("nafsu makan kurang", ("food_refusal",)),
        ("menolak makan", ("food_refusal",)),
        ("won't eat", ("food_refusal",)),
        ("she is not eating", ("food_refusal",)),
        ("makan 3 kali sehari", ()),  # "makan" alone is no worry
        ("sudah mau makan lagi", ()),
        ("tidak susah makan kok", ()),
        ("lagi sakit", ("illness",)),
        ("demam 3 hari", ("illness",)),
        ("panas tinggi dari kemarin", ("illness",)),
        ("diare", ("illness",)),
        ("mencret2", ("illness",)),
        ("batuk pilek", ("illness",)),
        ("muntah tadi pagi", ("illness",)),
        ("demamnya naik turun", ("illness",)),
        ("fever and cough", ("illness",)),
        ("diarrhoea", ("illness",)),
        ("my son is sick", ("illness",)),
        ("lahir di rumah sakit 3-1-2024", ()),  # where the child was born, not an illness
        ("lahir di rs bunda", ()),
        ("tidak demam", ()),
        ("gak batuk", ()),
        ("sudah tidak panas", ()),
        ("tidak batuk pilek", ()),  # one negation covers the list
        ("tidak ada demam", ()),
        ("no fever or cough", ()),
        ("kejang tadi malam", ("danger_sign",)),
        ("kemarin step", ("danger_sign",)),
        ("kejang2 waktu demam", ("danger_sign", "illness")),
        ("muntah terus", ("danger_sign", "illness")),
        ("apa aja dimakan muntah semua", ("danger_sign", "illness")),
        ("selalu muntah", ("danger_sign", "illness")),
        ("tidak demam tapi muntah terus", ("danger_sign", "illness")),
        ("tidak demam muntah terus", ("danger_sign",)),  # a danger sign never hides behind another's negation
        ("tidak sadar", ("danger_sign",)),
        ("tadi pingsan", ("danger_sign",)),
        ("lemas sekali", ("danger_sign", "illness")),
        ("sangat lemas", ("danger_sign", "illness")),
        ("badannya lunglai", ("danger_sign",)),
        ("tidak mau menyusu", ("danger_sign",)),
        ("gak bisa nyusu", ("danger_sign",)),
        ("tidak bisa minum", ("danger_sign",)),
        ("sesak napas", ("danger_sign",)),
        ("napas cepat", ("danger_sign",)),
        ("nafasnya cepat", ("danger_sign",)),
        ("susah napas", ("danger_sign",)),
        ("matanya cekung", ("danger_sign",)),
        ("he had a seizure", ("danger_sign",)),
        ("unconscious", ("danger_sign",)),
        ("can't breathe", ("danger_sign",)),
        ("breathing fast", ("danger_sign",)),
        ("won't breastfeed", ("danger_sign",)),
        ("tidak pernah kejang", ()),
        ("tidak sesak", ()),
        ("sy tidak sadar kalau bb nya turun", ()),  # "did not realise", not unconscious
        ("tidak bisa minum obat", ()),  # refuses the medicine, still drinks
        ("GTM, batuk pilek, napas cepat", ("danger_sign", "food_refusal", "illness")),
        ("cowok lahir 3 Jan 2024 bb 9,1 tb 76 cm", ()),
    ],
)
def test_quick_entry_names_the_worries_a_message_holds(text, concerns):
    """Food refusal, illness and danger signs are found in words; negated ones and look-alikes are not."""
    assert extract_quick_entry(text, today=TODAY).concerns == concerns


def test_worries_are_not_measurements():
    """A worry without numbers leaves the entry empty, and concerns never appear in fields()."""
    entry = extract_quick_entry("anak sy GTM udah 2 minggu, demam juga", today=TODAY)

    assert entry.concerns == ("food_refusal", "illness")
    assert entry.is_empty
    assert "concerns" not in extract_quick_entry("bb 9 kg, lagi batuk", today=TODAY).fields()


@pytest.mark.parametrize(
    "text",
    [
        "anak sy GTM udah 2 minggu",
        "sudah 3 hari demam",
        "sdh 4 hari mencret",
        "udh 5 hari batuk",
        "selama 2 minggu tidak mau makan",
        "sejak 2 minggu batuk pilek",
        "2 minggu ini gak mau makan",
        "3 hari terakhir mencret",
        "anak sy udah 2 minggu GTM",  # weeks after "sudah" are how long, even right after "anak"
        "not eating for 2 weeks",
        "sick since 3 days",
    ],
)
def test_quick_entry_does_not_read_a_span_of_time_as_the_age(text):
    """"udah 2 minggu", "selama 3 hari", "sejak…" say how long something lasted, not how old the child is."""
    assert extract_quick_entry(text, today=TODAY).age_months is None


@pytest.mark.parametrize(
    "text,age_months",
    [
        ("anak sy sudah 16 bulan", 16.0),  # the child is the one who is 16 months
        ("si kecil udah 2 tahun", 24.0),
        ("umur sudah 2 tahun", 24.0),  # the label says it
        ("anak sy 16 bulan, GTM udah 2 minggu", 16.0),  # the age and the span, each read as what it is
    ],
)
def test_quick_entry_still_reads_the_age_after_sudah(text, age_months):
    """"Sudah" before months or years of the child is its age."""
    assert extract_quick_entry(text, today=TODAY).age_months == age_months


def test_new_fields_appear_in_fields_only_when_found():
    """lenhei_label, oedema and previous_weight_kg are in fields() when said; a bare weight has none of them."""
    entry = extract_quick_entry("bb turun dr 10,1 jd 9,7 kg, tb 80, kaki tidak bengkak", today=TODAY)

    assert entry.fields() == {"weight_kg": 9.7, "previous_weight_kg": 10.1, "lenhei_cm": 80.0,
                              "lenhei_label": "tb", "oedema": False}
    assert extract_quick_entry("bb 9", today=TODAY).fields() == {"weight_kg": 9.0}


@pytest.mark.parametrize("text", ["kaki tidak bengkak", "kakinya bengkak", "diukur telentang"])
def test_a_detail_alone_is_not_a_measurement(text):
    """Only a swelling or a position, with no number or date, does not start measuring a child."""
    entry = extract_quick_entry(text, today=TODAY)

    assert entry.is_empty and entry.fields()


@pytest.mark.parametrize("text", ["tidak tau", "tidak tahu", "gak tau", "kurang tau", "ga tw", "mungkin",
                                  "don't know", "not sure",
                                  "baru: Fajar L 3-1-2024 9,8 76 telentang tidak bengkak"])
def test_dont_know_and_a_message_with_numbers_are_not_a_no(text):
    """'Are both feet swollen?' — 'tidak tahu' is not 'tidak', and the next child's line is no answer at all."""
    assert parse_yes_no(text) == Invalid("invalid_yes_no")


@pytest.mark.parametrize("text,greeted", [("Assalamualaikum bu", "salam"), ("ass wr wb", "salam"),
                                          ("Selamat pagi bu kader", "pagi"), ("good evening", "malam"),
                                          ("halo", "halo"), ("Ani", None), ("bb 9 salam", None)])
def test_greetings_are_recognised_to_be_answered_in_kind(text, greeted):
    assert greeting(text) == greeted


@pytest.mark.parametrize("text,stop", [("jangan kirim lagi", True), ("stop kirim pesan", True),
                                       ("unsubscribe", True), ("berhenti kirim", True),
                                       ("stop sending me messages", True), ("Don't send me messages", True),
                                       ("stop", False), ("stop muntah", False), ("jangan lagi", False),
                                       ("anak tidak mau makan", False)])
def test_asking_for_no_more_messages_in_words(text, stop):
    assert wants_no_messages(text) is stop


@pytest.mark.parametrize("text,kader", [("Saya kader posyandu Melati", True), ("daftar kader", True),
                                        ("I am a cadre", True), ("Selamat pagi bu kader", False)])
def test_a_message_saying_its_writer_is_a_kader(text, kader):
    assert says_kader(text) is kader


# --- an age instead of a birth date ----------------------------------------------------------------------------------

from shared.flows.parsers import parse_age_months  # noqa: E402  (this section was added after the others)

AGE_DAY = date(2025, 3, 10)


@pytest.mark.parametrize("text,months", [
    ("umur 1th 3bln", 15.0), ("20 bulan", 20.0), ("umur 2 tahun", 24.0), ("1,5 tahun", 18.0), ("2 thn", 24.0),
    ("16 bln", 16.0), ("2th 1bln", 25.0),
    ("umur 6 tahun", 72.0),  # read as said: the flow, not the parser, refuses 60 months and more
    ("3 minggu", 0.7),  # a newborn's age in weeks, to one decimal of a month
])
def test_an_age_is_read_in_months_as_parents_write_it(text, months):
    assert parse_age_months(text, today=AGE_DAY) == months


@pytest.mark.parametrize("text", ["umur 2",  # years or months? asked again rather than guessed
                                  "15", "udah 2 minggu",  # a span of time, not an age
                                  "3-1-2024", "tidak tahu", ""])
def test_what_is_not_an_age_is_refused(text):
    assert parse_age_months(text, today=AGE_DAY) == Invalid("invalid_age")


def test_a_bare_number_is_months_where_the_question_asked_for_months():
    """'Berapa bulan umurnya?' — '15' and '15,5' are months; without that question a bare number is refused."""
    assert parse_age_months("15", today=AGE_DAY, bare_months=True) == 15.0
    assert parse_age_months("15,5", today=AGE_DAY, bare_months=True) == 15.5
    assert parse_age_months("umur 2", today=AGE_DAY, bare_months=True) == Invalid("invalid_age")


def test_an_age_no_one_could_mean_is_out_of_range():
    assert parse_age_months("25 tahun", today=AGE_DAY).key == "number_out_of_range"
