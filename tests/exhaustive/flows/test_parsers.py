"""Properties of the parsers over generated text (hypothesis): no input makes a parser raise, and numbers, dates and
a kader's one-message entry written in any of the usual ways read back exactly."""
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.flows.parsers import (
    extract_quick_entry,
    normalise,
    parse_choice,
    parse_date,
    parse_measure,
    parse_number,
    parse_sex,
    parse_yes_no,
)

TODAY = date(2024, 6, 15)
WEIGHT = {"lo": 0.5, "hi": 60.0, "unit": "kg"}
LENHEI = {"lo": 35.0, "hi": 150.0, "unit": "cm"}
LANGS = {"id": "Bahasa Indonesia", "en": "English"}
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember"]

PARSERS = [
    lambda t: parse_number(t, **WEIGHT),
    lambda t: parse_number(t, lo=0, hi=100, decimals=3),
    lambda t: parse_date(t, today=TODAY, earliest=date(2019, 1, 1)),
    parse_sex,
    parse_yes_no,
    parse_measure,
    lambda t: parse_choice(t, LANGS),
    normalise,
    lambda t: extract_quick_entry(t, today=TODAY),
]
NOISY_TEXT = st.text() | st.text(alphabet="0123456789,./- :kgcmblnthjanmeiagtlpbu\n", max_size=40)


@settings(max_examples=300)
@given(text=NOISY_TEXT)
def test_no_parser_raises_on_any_text(text):
    """User input is never an exception: every parser returns a value or an Invalid for any string."""
    for parse in PARSERS:
        parse(text)


@given(value=st.integers(min_value=5, max_value=600).map(lambda n: n / 10), sep=st.sampled_from([",", "."]),
       suffix=st.sampled_from(["", "kg", " kg", " Kg"]))
def test_parse_number_round_trips_formatted_weights(value, sep, suffix):
    """Any one-decimal weight written with comma or point, with or without "kg", reads back exactly."""
    text = f"{value:.1f}".replace(".", sep) + suffix

    assert parse_number(text, **WEIGHT) == value


@given(value=st.integers(min_value=350, max_value=1500).map(lambda n: n / 10), sep=st.sampled_from([",", "."]))
def test_parse_number_round_trips_formatted_lengths(value, sep):
    """Any one-decimal length written with comma or point and "cm" reads back exactly."""
    assert parse_number(f"{value:.1f}".replace(".", sep) + " cm", **LENHEI) == value


@given(day=st.dates(min_value=date(1990, 1, 1), max_value=TODAY))
def test_parse_date_round_trips_day_month_year(day):
    """dd-mm-yyyy, d/m/yyyy and "d <bulan> yyyy" all read back as the same date."""
    texts = [day.strftime("%d-%m-%Y"), f"{day.day}/{day.month}/{day.year}",
             f"{day.day} {BULAN[day.month - 1]} {day.year}", f"{day.day} {BULAN[day.month - 1][:3].lower()} {day.year}"]

    assert [parse_date(t, today=TODAY) for t in texts] == [day] * len(texts)


@given(sex=st.sampled_from(["cowok", "cewek", "laki-laki", "perempuan"]),
       born=st.dates(min_value=date(2019, 7, 1), max_value=TODAY),
       weight=st.integers(min_value=20, max_value=300).map(lambda n: n / 10),
       lenhei=st.integers(min_value=450, max_value=1200).map(lambda n: n / 10),
       label=st.sampled_from(["tb", "pb"]))
def test_quick_entry_round_trips_a_kader_message(sex, born, weight, lenhei, label):
    """A generated "<sex> lahir <date> bb <w> <tb|pb> <l> cm" message gives back every field, the label too."""
    text = (f"{sex} lahir {born.day} {BULAN[born.month - 1]} {born.year} bb {weight:.1f}".replace(".", ",")
            + f" {label} {lenhei:.1f} cm".replace(".", ","))

    entry = extract_quick_entry(text, today=TODAY)

    assert entry.fields() == {"sex": "M" if sex in ("cowok", "laki-laki") else "F", "birth_date": born,
                              "weight_kg": weight, "lenhei_cm": lenhei, "lenhei_label": label}
