"""Posyandu day, pure (services.kader): the slots a one-line entry fills, the recap's order and paging, and the
examples the kader's menu shows."""
from datetime import date

from shared.domain.model import Child, Measurement
from shared.flows.messages import render
from shared.flows.parsers import read_kader_line
from shared.services import kader
from shared.services.replies import to_messages

TODAY = date(2025, 3, 10)
EARLIEST = date(2020, 3, 11)  # a child under five on TODAY


def read(text: str):
    line = read_kader_line(text, today=TODAY, earliest_birth=EARLIEST)
    assert line is not None
    return line


FAJAR = Child(1, "Fajar", "M", date(2024, 1, 3), posyandu_id=1)


def test_a_measured_line_is_for_today_and_skips_only_the_optional_questions():
    """The measuring date is today; head and LILA are not asked; oedema is, unless the line said "tidak bengkak";
    the position is left to the flow (asked unless implied)."""
    slots = kader.line_slots(read("Fajar 9,8 76"), TODAY)

    assert slots == {"one_line": True, "measured_on": "2025-03-10", "headc_cm": None, "armc_cm": None,
                     "weight_kg": 9.8, "lenhei_cm": 76.0}
    assert kader.line_slots(read("Fajar 9,8 76 tidak bengkak"), TODAY)["oedema"] is False
    assert "oedema" not in kader.line_slots(read("Fajar 9,8 76 kaki bengkak"), TODAY)  # asked properly


def test_a_new_child_without_a_number_is_registered_without_the_question():
    slots = kader.line_slots(read("baru: Lestari P 12-05-2024 8,1 71"), TODAY)

    assert (slots["child_id"], slots["name"], slots["sex"], slots["birth_date"]) == \
        ("new", "Lestari", "F", "2024-05-12")
    assert "parent_wa_id" in slots and slots["parent_wa_id"] is None
    assert "parent_wa_id" not in kader.line_slots(read("baru: Lestari P 12-05-2024 8,1 71 ortu 0812…"), TODAY)


def test_a_new_line_for_a_registered_child_finds_it():
    same = read("baru: fajar L 3-1-2024 9,8 76")
    other_date = read("baru: Fajar L 4-1-2024 9,8 76")

    assert kader.registered_already(same, [FAJAR]) == FAJAR
    assert kader.registered_already(other_date, [FAJAR]) is None


def _measured(child: Child, tier: str | None, findings=(), review=None) -> Measurement:
    summary = {"findings": list(findings), "tier": tier} if tier else {}
    return Measurement(child.id, TODAY, 9.8, 76.0, "l", assessment=summary, review=review)


def _text(replies) -> str:
    return "\n\n".join(m.body for m in to_messages(replies, "id"))


def test_the_recap_puts_the_most_urgent_first_and_a_remeasure_after_todays_referrals():
    rows = [(Child(1, "Ani", "F", date(2024, 4, 15)), _measured(FAJAR, "soon", ["stunted"]), "sent"),
            (Child(2, "Budi", "M", date(2022, 9, 1)), _measured(FAJAR, None, review="remeasure"), "remeasure"),
            (Child(3, "Citra", "F", date(2024, 5, 12)), _measured(FAJAR, "today", ["muac_severe"]), "no_number"),
            (Child(4, "Dewi", "F", date(2024, 1, 3)), _measured(FAJAR, "routine", ["tall"]), "sent")]

    text = _text(kader.recap_replies(rows, "Melati", TODAY))

    assert [line.split(" (")[0] for line in text.splitlines() if line.startswith("• ")][:3] == \
        ["• Citra", "• Budi", "• Ani"]
    assert "• Budi (1/9/22): *angka tidak biasa, perlu diukur ulang*" in text
    assert "*Lainnya*: Dewi (tinggi)" in text
    assert "• Citra: tidak ada nomor orang tua" in text and "Budi:" not in text.split("belum menerima")[1]


def test_a_long_recap_is_cut_into_messages_whatsapp_accepts():
    """Sixty children with long names: several messages, none over WhatsApp's 4096 characters."""
    rows = [(Child(i, f"Anak Dengan Nama Yang Sangat Panjang Sekali Nomor {i:02d}", "F", date(2024, 1, 3)),
             _measured(FAJAR, "today", ["severely_wasted", "severely_stunted", "severely_underweight"]), "no_number")
            for i in range(60)]

    messages = to_messages(kader.recap_replies(rows, "Melati", TODAY), "id")

    assert len(messages) > 2 and all(len(m.body) <= 4096 for m in messages)
    assert sum(m.body.count("• Anak") for m in messages) == 120  # every child, in both lists


def test_the_examples_are_lines_that_read_back():
    """The menu's examples, rendered as the kader sees them, are read as the lines they teach."""
    examples = kader.examples(TODAY)
    known = read(render("kader_example_line", "id", **examples["example"].params))
    new = read(render("kader_example_new", "id", **examples["example_new"].params))

    assert (known.query, known.measure, known.problems) == ("Fajar", "l", ())
    assert (new.new, new.query, new.sex, new.birth_date) == (True, "Lestari", "F", date(2024, 5, 10))
