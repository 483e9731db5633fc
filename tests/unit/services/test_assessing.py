"""The pure core of assessing a measurement against a child's history (no database: rows are built here)."""
from datetime import date

from shared.domain.model import Child, Measurement
from shared.services import assessing

CHILD = Child(1, "Ani", "F", date(2024, 1, 3))


def _weighed(row_id, on, kg):
    """A stored, trusted weighing with the weight gain it was stored with."""
    ev = assessing.evaluate(CHILD, assessing.Entry(on, kg, 76.0, "l"), [], on)
    return Measurement(CHILD.id, on, kg, 76.0, "l", assessment=ev.summary, id=row_id)


def test_an_older_entry_without_a_weight_leaves_later_weight_gains_alone():
    """A length-only measurement entered late is no weighing: the N/T stored after it must not be wiped."""
    february = _weighed(1, date(2025, 2, 5), 9.6)
    march_ev = assessing.evaluate(CHILD, assessing.Entry(date(2025, 3, 5), 9.9, 76.5, "l"), [february],
                                  date(2025, 3, 5))
    march = Measurement(CHILD.id, date(2025, 3, 5), 9.9, 76.5, "l", assessment=march_ev.summary, id=2)

    ev = assessing.evaluate(CHILD, assessing.Entry(date(2025, 2, 20), None, 76.2, "l"), [march, february],
                            date(2025, 3, 10))

    assert march.assessment["gain"]["code"] == "N"
    assert ev.revisions == []


def test_an_older_weighing_recomputes_the_gain_of_the_one_after_it():
    """February entered after March: March's weighing becomes N against February (it was B, the first)."""
    march = _weighed(2, date(2025, 3, 5), 9.9)

    ev = assessing.evaluate(CHILD, assessing.Entry(date(2025, 2, 5), 9.6, 75.0, "l"), [march], date(2025, 3, 10))

    assert [(row_id, summary["gain"]["code"]) for row_id, summary in ev.revisions] == [(2, "N")]
    assert ev.backdated and ev.next_on == date(2025, 4, 4)


def test_assess_says_what_to_store_what_changes_and_what_the_chart_draws():
    """One call, no I/O: the row to store, the later weighing whose N/T changes, and the chart rows (oldest first,
    the new one included, an untrusted flagged row left out)."""
    march = _weighed(2, date(2025, 3, 5), 9.9)
    flagged = Measurement(CHILD.id, date(2025, 1, 5), 20.0, 76.0, "l", flags=("weight_for_age",), id=3,
                          review="superseded")
    entry = assessing.entry_of({"measured_on": "2025-02-05", "weight_kg": 9.6, "lenhei_cm": 75.0, "oedema": False},
                               "l")

    done = assessing.assess(CHILD, entry, [march, flagged], date(2025, 3, 10))

    assert (done.row.measured_on, done.row.weight_kg, done.row.flags) == (date(2025, 2, 5), 9.6, ())
    assert [(row_id, summary["gain"]["code"], review) for row_id, summary, review in done.revisions] == \
        [(2, "N", None)]
    assert [m.measured_on for m in done.chart_rows] == [date(2025, 2, 5), date(2025, 3, 5)]


def test_assess_supersedes_the_flagged_value_a_remeasure_answers():
    flagged_ev = assessing.evaluate(CHILD, assessing.Entry(date(2025, 3, 5), 19.0, 76.0, "l"), [], date(2025, 3, 5))
    pending = Measurement(CHILD.id, date(2025, 3, 5), 19.0, 76.0, "l", flags=flagged_ev.flags,
                          assessment=flagged_ev.summary, id=7, review=flagged_ev.review)

    done = assessing.assess(CHILD, assessing.Entry(date(2025, 3, 6), 9.9, 76.0, "l"), [pending], date(2025, 3, 6))

    assert pending.review == "remeasure" and (7, None, "superseded") in done.revisions
