"""Example messages shown in the menu and the help: healthy children of today's age, never a fixed date.

A fixed example ages: "lahir 3 Jan 2024 bb 9,1 tb 76" was a healthy toddler when written and a severely stunted,
severely underweight child two years later, so a mother who tried it was frightened. Each example is a child
born a set number of months before `today`, with the WHO median weight and length for that age. Pure: `today`
is passed in.
"""
from __future__ import annotations

from datetime import date

from shared.domain.growth import ages, tables
from shared.flows.messages import Ref

# catalogue key -> (sex, age in completed months). Under 2 the example says "pb" (lying, the default there), from
# 2 "tb" (standing), so trying an example never brings the lying/standing question.
EXAMPLES = {"example_young": ("F", 14), "example_older": ("M", 30)}


def months_before(today: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day when that day does not exist)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.day
    while True:
        try:
            return date(year, month + 1, day)
        except ValueError:
            day -= 1


def example(key: str, today: date) -> Ref:
    """An example quick entry (catalogue key with its parameters) of a healthy child of the example's age today."""
    sex, months = EXAMPLES[key]
    born = months_before(today, months)
    age = ages.age_days_between(born, today)
    code = tables.MALE if sex == "M" else tables.FEMALE
    return Ref(key, birth_date=born, weight_kg=round(tables.median("wfa", code, age), 1),
               lenhei_cm=round(tables.median("lhfa", code, age), 1))
