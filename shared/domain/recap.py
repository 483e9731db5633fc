"""The posyandu's monthly recap: SKDN counts and the prevalence of stunting, wasting and underweight by the
register's age bands (Format F2: 0-5, 6-11, 12-23, 24-35, 36-59 months). Pure: records in, numbers out.

Definitions (reference/domain-id.md D4), as Tumbuh can know them:
- S: children of the posyandu aged 0-59 completed months at the month's end (Tumbuh's register is the sasaran list
  the kader keeps; a child not registered anywhere is not counted, which a kader can correct in the Sheet).
- K: those of S with a growth record (a measurement) on or before the month's end: Tumbuh is their KMS.
- D: children weighed in the month (their last weighing of the month counts, in the age band of that day).
- N: weighed with a weight gain of at least the KBM since the previous month ("N").
- Prevalence: among children measured in the month, their last measurement; a value WHO flags as implausible is
  left out of both numerator and denominator (as WHO's anthro_prevalence does); oedema counts as severe wasting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.domain.growth import ages

BANDS = ((0, 5), (6, 11), (12, 23), (24, 35), (36, 59))
STUNTED = ("stunted", "severely_stunted")
WASTED = ("wasted", "severely_wasted")
UNDERWEIGHT = ("underweight", "severely_underweight")


@dataclass(frozen=True)
class RecapChild:
    child_id: int
    birth_date: date | None  # None: only an age in months was given (then estimated from a measurement)
    first_measured_on: date | None


@dataclass(frozen=True)
class RecapMeasurement:
    child_id: int
    measured_on: date
    weighed: bool
    assessment: dict  # as stored with the measurement (services.assessing.summarise)


@dataclass(frozen=True)
class RecapRow:
    """One age band (band None: every band) of one month."""

    month: date  # its first day (a date, so a Sheet sorts and filters it as one)
    band: tuple[int, int] | None
    s: int
    k: int
    d: int
    n: int
    len_measured: int
    stunted: int
    wfl_measured: int
    wasted: int
    wfa_measured: int
    underweight: int


def month_end(month: date) -> date:
    """The last day of the month `month` falls in."""
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def band_of(age_months: int) -> tuple[int, int] | None:
    return next((b for b in BANDS if b[0] <= age_months <= b[1]), None)


def _counted(a: dict, indicator: str) -> str | None:
    """The category of an indicator when it counts for prevalence (measured, not flagged), else None."""
    r = a.get(indicator) or {}
    return None if r.get("flag") or not r.get("category") else r["category"]


def recap(month: date, children: list[RecapChild], measurements: list[RecapMeasurement]) -> list[RecapRow]:
    """The recap of the month `month` falls in: one row per age band, then the total."""
    first, last = month.replace(day=1), month_end(month)
    born = {c.child_id: c.birth_date for c in children}
    for m in sorted(measurements, key=lambda m: m.measured_on):  # an age given instead of a birth date
        days = (m.assessment or {}).get("age_days")
        if born.get(m.child_id) is None and days is not None:
            born[m.child_id] = m.measured_on - timedelta(days=int(days))
    latest: dict[int, RecapMeasurement] = {}
    for m in sorted(measurements, key=lambda m: m.measured_on):
        if first <= m.measured_on <= last and m.weighed:
            latest[m.child_id] = m
    counts: dict[tuple[int, int] | None, list[int]] = {b: [0] * 10 for b in (*BANDS, None)}

    def add(band, i):
        counts[band][i] += 1
        counts[None][i] += 1

    for c in children:
        b = born.get(c.child_id)
        if b is None or b > last:
            continue
        band = band_of(ages.completed_months(b, last))
        if band is None:
            continue
        add(band, 0)
        if c.first_measured_on is not None and c.first_measured_on <= last:
            add(band, 1)
    for child_id, m in latest.items():
        a = m.assessment or {}
        age = a.get("age_months")
        band = band_of(int(age)) if age is not None else None
        if band is None:
            continue
        add(band, 2)
        if ((a.get("gain") or {}).get("code")) == "N":
            add(band, 3)
        length = _counted(a, "length_for_age")
        if length:
            add(band, 4)
            if length in STUNTED:
                add(band, 5)
        wasting = "severely_wasted" if a.get("oedema") else _counted(a, "weight_for_length")
        if wasting:
            add(band, 6)
            if wasting in WASTED:
                add(band, 7)
        weight = None if a.get("oedema") else _counted(a, "weight_for_age")
        if weight:
            add(band, 8)
            if weight in UNDERWEIGHT:
                add(band, 9)
    return [RecapRow(first, b, *counts[b]) for b in (*BANDS, None)]
