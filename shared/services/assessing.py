"""The pure core of assessing one measurement against the child's history: z-scores, plausibility across visits,
re-measure or confirm, weight gain the KMS way, and the advice matrix's decision. No I/O: the conversation
service loads the history, calls `evaluate`, and stores and sends what it returns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.domain import advice as matrix
from shared.domain import growth
from shared.domain.growth import ages
from shared.domain.model import Child, Measurement

REMEASURE_TIER = "remeasure"  # the tier reported for a flagged value: no advice until it is measured again
NEXT_CHECK_DAYS = 30  # posyandu weighs every month (Juknis KMS)
# A flagged value is answered by a second measurement within this many days (Tumbuh's choice: a family measures
# again the same day or at the next chance; later than a week it is a new visit, and the first value stays
# "perlu dicek" for the posyandu's staff).
REMEASURE_WITHIN_DAYS = 7
# Flags a second measurement can confirm. Standing before 9 months is how it was measured, not a value: the
# answer is to measure lying down, never to confirm.
NOT_CONFIRMABLE = frozenset({"standing_before_9_months"})
SCORED = ("length_for_age", "weight_for_age", "weight_for_length", "bmi_for_age", "head_circumference_for_age",
          "arm_circumference_for_age")


@dataclass(frozen=True)
class Entry:
    """What was measured now, as the conversation collected it."""

    measured_on: date
    weight_kg: float | None = None
    lenhei_cm: float | None = None
    measure: str | None = None
    headc_cm: float | None = None
    armc_cm: float | None = None
    oedema: bool = False
    concerns: tuple[str, ...] = ()
    # The age in months the family gave for a child without a birth date (WHO Anthro's age in months); None when
    # the age comes from the birth date.
    age_months_given: float | None = None


@dataclass(frozen=True)
class Evaluation:
    """Everything that follows from one measurement; `advice` is None when it must be measured again."""

    measured_on: date
    assessment: growth.GrowthAssessment
    gain: growth.WeightGain | None
    flags: tuple[str, ...]
    review: str | None  # for the new row: None, "remeasure" or "confirmed"
    advice: matrix.Advice | None
    summary: dict  # stored with the measurement
    pending: Measurement | None  # the earlier flagged row this measurement answers (now superseded)
    revisions: list[tuple[int, dict]] = field(default_factory=list)  # later rows whose stored summary changed
    latest_on: date | None = None  # the child's latest measuring date, this one included
    next_on: date | None = None
    change_kg: float | None = None  # since the latest earlier trusted weighing (for a re-measure request)
    change_cm: float | None = None
    approximate: bool = False  # the age was given in months, not from a birth date: the result is an estimate

    @property
    def confirmed(self) -> bool:
        """A flagged value that a second measurement confirmed: given as a result, with a same-day referral."""
        return self.review == "confirmed"

    @property
    def backdated(self) -> bool:
        """An older measurement entered after a newer one."""
        return self.latest_on is not None and self.latest_on > self.measured_on

    @property
    def tier(self) -> str:
        """The advice matrix's urgency tier word, or REMEASURE_TIER when the value must be measured again."""
        return self.advice.tier.word if self.advice is not None else REMEASURE_TIER


def sex_code(child: Child) -> int:
    """WHO's sex code of a child (1 boy, 2 girl)."""
    return 1 if child.sex == "M" else 2


def assess_entry(child: Child, e: Entry) -> growth.GrowthAssessment:
    """WHO 2006 z-scores and categories of one entry (raises OutsideGrowthStandard from 60 months); a child without
    a birth date is assessed at the age in months given with the entry (InvalidMeasurement when none was)."""
    if child.birth_date is not None:
        return growth.assess_growth_on(sex_code(child), child.birth_date, e.measured_on, e.weight_kg, e.lenhei_cm,
                                       e.measure, e.headc_cm, e.armc_cm, e.oedema)
    if e.age_months_given is None:
        raise growth.InvalidMeasurement("age_unknown", "a child without a birth date needs the age in months")
    return growth.assess_growth(sex_code(child), ages.age_days_from_months(e.age_months_given), e.weight_kg,
                                e.lenhei_cm, e.measure, e.headc_cm, e.armc_cm, e.oedema)


def _stored_id(m: Measurement) -> int:
    """The id of a measurement read from the records (history always is: only a new entry has none yet)."""
    if m.id is None:
        raise ValueError("a stored measurement without an id")
    return m.id


def _lenhei_on_one_basis(child: Child, m) -> float | None:
    """A measurement's length/height standardised for its age (the +/-0.7 cm rule), so visits compare."""
    if m.lenhei_cm is None or child.birth_date is None:
        return None
    age = ages.age_days_between(child.birth_date, m.measured_on)
    return ages.adjust_lenhei(m.lenhei_cm, m.measure, ages.round_up(age))


def _gains(child: Child, rows: list, confirmed: set) -> dict:
    """Weight gain of every weighing among rows (Measurement or Entry), keyed by measuring date."""
    if child.birth_date is None:
        return {}  # the KMS judges gain by age in months between dates of birth: see evaluate
    weighings = [growth.Weighing(r.measured_on, r.weight_kg) for r in rows if r.weight_kg is not None]
    results = growth.weight_gain_history(child.birth_date, weighings, confirmed=frozenset(confirmed))
    return {w.measured_on: g for w, g in zip(weighings, results)}


def gain_summary(gain: growth.WeightGain | None) -> dict | None:
    """A weight gain as stored (JSON)."""
    if gain is None:
        return None
    return {"status": gain.status.value, "code": gain.status.code, "gain_g": gain.gain_g,
            "required_g": gain.required_g, "two_t": gain.two_t, "large_loss": gain.large_loss,
            "previous_on": gain.previous_on.isoformat() if gain.previous_on else None}


def summarise(a: growth.GrowthAssessment, gain, advice: matrix.Advice | None, measured_on: date,
              concerns=()) -> dict:
    """The assessment as stored with the measurement (JSON): z-scores, flags, categories, gain and the matrix's
    findings and tier (what the Sheet, reminders and dashboard read)."""
    out = {"age_days": a.age_days, "age_months": a.age_months, "bgm": a.below_red_line, "oedema": a.oedema,
           "measured_on": measured_on.isoformat(), "muac": a.muac.value if a.muac else None,
           "concerns": sorted(concerns)}
    for name in SCORED:
        r = getattr(a, name)
        out[name] = {"z": r.z, "flag": r.flagged, "category": r.category.value if r.category else None,
                     "status": r.status.value}
    out["gain"] = gain_summary(gain)
    if advice is not None:
        out["findings"] = [f.key for f in advice.findings]
        out["tier"] = advice.tier.word
    return out


def evaluate(child: Child, e: Entry, history: list[Measurement], today: date) -> Evaluation:
    """Assess an entry against the child's stored measurements (newest first): what to store, say and revise.

    Raises:
        growth.OutsideGrowthStandard: the child is 60 months or older on the measuring day.
    """
    a = assess_entry(child, e)
    born = child.birth_date
    # A same-day row is replaced by this one; a row dated before birth (the birth date was corrected since) is no
    # longer a measurement of this child's growth.
    earlier = [m for m in history if m.measured_on != e.measured_on and (born is None or m.measured_on >= born)]
    trusted = [m for m in earlier if m.counts]
    confirmed_dates = {m.measured_on for m in trusted if m.review == "confirmed"}
    pending = next((m for m in history if m.review == "remeasure"
                    and 0 <= (e.measured_on - m.measured_on).days <= REMEASURE_WITHIN_DAYS), None)

    previous = next((m for m in trusted if m.measured_on < e.measured_on and m.weight_kg is not None), None)
    change_kg = e.weight_kg - previous.weight_kg \
        if previous and previous.weight_kg is not None and e.weight_kg is not None else None
    before = next((m for m in trusted if m.measured_on < e.measured_on and m.lenhei_cm is not None), None)
    change_cm = None
    length_ok = True
    # Without a birth date each visit's age is a separate estimate by the family: the KMS weight gain (KBM by age)
    # and the length change allowed between two ages would judge those estimates, not the child, so both are
    # skipped until UBAH DATA gives the date (the z-scores of this visit are still given, marked approximate).
    if born is not None and before is not None and e.lenhei_cm is not None:
        then, now = _lenhei_on_one_basis(child, before), _lenhei_on_one_basis(child, e)
        assert then is not None and now is not None  # both have a length, checked above
        change_cm = now - then
        length_ok = growth.is_plausible_length_change(
            then, now, ages.age_days_between(born, before.measured_on), a.age_days)

    def flags_with(gain) -> tuple[str, ...]:
        found = {n for n in SCORED if getattr(a, n).flagged}
        if a.standing_before_9_months:
            found.add("standing_before_9_months")
        if gain is not None and gain.status is growth.GainStatus.IMPLAUSIBLE:
            found.add("weight_change")
        if not length_ok:
            found.add("length_change")
        return tuple(sorted(found))

    rows = [*reversed(trusted), e]  # _gains leaves out an entry without a weight: the others keep their N/T
    gains = _gains(child, rows, confirmed_dates)
    gain = gains.get(e.measured_on) if e.weight_kg is not None else None
    flags = flags_with(gain)
    confirming = bool(pending is not None and (set(flags) & set(pending.flags)) - NOT_CONFIRMABLE
                      and not set(flags) & NOT_CONFIRMABLE)
    if confirming and e.weight_kg is not None:  # a confirmed weight is no longer IMPLAUSIBLE: judge it again
        confirmed_dates.add(e.measured_on)
        gains = _gains(child, rows, confirmed_dates)
        gain = gains.get(e.measured_on)
    review = ("confirmed" if confirming else "remeasure") if flags else None
    advice = None if review == "remeasure" else matrix.decide(
        matrix.situation_of(a, gain, confirmed=confirming, concerns=e.concerns))
    summary = summarise(a, gain, advice, e.measured_on, e.concerns)

    revisions = []
    for m in trusted:  # an older entry changes the N/T (and so the findings) of every weighing after it
        if m.measured_on <= e.measured_on or m.weight_kg is None or review == "remeasure":
            continue
        new_gain = gains.get(m.measured_on)
        if gain_summary(new_gain) != (m.assessment or {}).get("gain"):
            revisions.append((_stored_id(m), _revised(child, m, new_gain)))
    latest_on = max([e.measured_on, *(m.measured_on for m in history)])
    return Evaluation(e.measured_on, a, gain, flags, review, advice, summary, pending, revisions, latest_on,
                      latest_on + timedelta(days=NEXT_CHECK_DAYS), change_kg, change_cm, approximate=born is None)


def _revised(child: Child, m: Measurement, gain) -> dict:
    """A stored measurement's summary with its weight gain recomputed (its own values are unchanged)."""
    old = m.assessment or {}
    concerns = tuple(old.get("concerns") or ())
    try:
        a = assess_entry(child, Entry(m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.headc_cm, m.armc_cm,
                                      m.oedema, age_months_given=m.age_months_given))
    except (growth.OutsideGrowthStandard, growth.InvalidMeasurement):
        return {**old, "gain": gain_summary(gain)}
    confirmed = m.review == "confirmed"
    advice = matrix.decide(matrix.situation_of(a, gain, confirmed=confirmed, concerns=concerns))
    return summarise(a, gain, advice, m.measured_on, concerns)


Restated = tuple[int, tuple[str, ...], dict, str | None]  # (id, flags, summary, review)


def restate(child: Child, history: list[Measurement], today: date) -> list[Restated]:
    """Every stored measurement of a child assessed again, oldest first, after its sex or birth date was corrected:
    (id, flags, summary, review) for each. A value flagged before keeps what became of it (confirmed, superseded)
    while it is still flagged; one that is no longer flagged needs no review. A row dated before the corrected
    birth date, or at 5 years or older, keeps its flags and loses its summary: it no longer describes this child's
    growth under the standard."""
    out: list[Restated] = []
    done: list[Measurement] = []  # restated so far, newest first
    for m in sorted(history, key=lambda x: (x.measured_on, x.id or 0)):
        entry = Entry(m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.headc_cm, m.armc_cm, m.oedema,
                      tuple((m.assessment or {}).get("concerns") or ()), m.age_months_given)
        try:
            if child.birth_date is not None and m.measured_on < child.birth_date:
                raise growth.InvalidMeasurement("measured before birth")
            ev = evaluate(child, entry, done, today)
        except (growth.OutsideGrowthStandard, growth.InvalidMeasurement):
            new = Measurement(m.child_id, m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.headc_cm, m.armc_cm,
                              m.oedema, m.flags, {}, m.id, m.review, m.age_months_given)
        else:
            review = (m.review if m.review in ("confirmed", "superseded") else ev.review) if ev.flags else None
            new = Measurement(m.child_id, m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.headc_cm, m.armc_cm,
                              m.oedema, ev.flags, ev.summary, m.id, review, m.age_months_given)
        done.insert(0, new)
        out.append((_stored_id(new), new.flags, new.assessment, new.review))
    return out


@dataclass(frozen=True)
class Assessed:
    """Everything one measuring turn stores and shows, decided without I/O (see `assess`)."""

    entry: Entry
    evaluation: Evaluation
    row: Measurement  # the measurement to store
    revisions: list[tuple[int, dict | None, str | None]]  # (id, new summary or None, new review or None)
    chart_rows: list[Measurement]  # what the child's chart draws, oldest first, this measurement included


def entry_of(slots: dict, measure: str | None) -> Entry:
    """The entry a finished measuring conversation collected ("age_months": the age a family gave for a child
    without a birth date)."""
    return Entry(date.fromisoformat(slots["measured_on"]), slots.get("weight_kg"), slots.get("lenhei_cm"), measure,
                 slots.get("headc_cm"), slots.get("armc_cm"), bool(slots.get("oedema")),
                 tuple(slots.get("concerns") or ()), slots.get("age_months"))


def assess(child: Child, entry: Entry, history: list[Measurement], today: date) -> Assessed:
    """The pure core of a measuring turn: evaluate the entry against the child's history (newest first), and say
    which row to store, which stored rows change (an older entry's N/T, a flagged value now answered), and what the
    chart draws.

    Raises:
        growth.OutsideGrowthStandard: the child is 60 months or older on the measuring day.
    """
    ev = evaluate(child, entry, history, today)
    row = Measurement(child.id, entry.measured_on, entry.weight_kg, entry.lenhei_cm, entry.measure, entry.headc_cm,
                      entry.armc_cm, entry.oedema, ev.flags, ev.summary, review=ev.review,
                      age_months_given=entry.age_months_given if child.birth_date is None else None)
    revisions: list[tuple[int, dict | None, str | None]] = [(row_id, summary, None) for row_id, summary in ev.revisions]
    if ev.pending is not None:  # answered by this measurement: no longer waiting for staff to check
        revisions.append((_stored_id(ev.pending), None, "superseded"))
    chart_rows = sorted([*(m for m in history if m.counts and m.measured_on != entry.measured_on),
                         Measurement(child.id, entry.measured_on, entry.weight_kg, entry.lenhei_cm, entry.measure,
                                     assessment=ev.summary)],
                        key=lambda m: m.measured_on)
    return Assessed(entry, ev, row, revisions, chart_rows)
