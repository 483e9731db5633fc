"""When each reminder of a child falls due, and when in the day a message may go: the rules are data (RULES), read
by one small planner. Pure: dates and datetimes come in, nothing reads a clock, a store or the environment.

The database, the sending and the scheduler live in services and adapters; they ask `due_reminders` which reminders
fall in the next days, remember which they sent (child, kind, due_on), and send each at `next_send_time`.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from shared.domain.advice import Urgency
from shared.domain.growth import ages

KINDS = ("measurement", "recheck", "followup", "bulan_penimbangan", "age_out")  # reminder kinds, in sending order

# Tumbuh's choice: messages nobody asked for arrive in the day, not while a family sleeps or before work starts.
DAYTIME = (time(8), time(19))
# Tumbuh's choice: no message during Friday prayer (salat Jumat, around midday local time in every zone).
FRIDAY_PRAYER = (time(11), time(13, 30))
FRIDAY = 4  # date.weekday() of Friday
# The posyandu weighs every balita once a month (reference/domain-id.md D2 register columns, D4 "D" per month).
MEASUREMENT_MONTHS = 1
# Tumbuh's choice: a "soon" tier asks for the puskesmas within a week (advice.Urgency.SOON); a week later we ask again.
RECHECK_DAYS = 14
# Tumbuh's choice: "today" and "now" send the child the same day; the next day we ask whether they went.
FOLLOWUP_DAYS = 1
# reference/domain-id.md D5: Bulan Penimbangan Balita is February and August, reminders spike at the end of January
# and July. Each entry: (month, day) of the reminder, and the weighing month whose 1st decides who is under five.
BULAN_PENIMBANGAN = ((1, 25, 2), (7, 25, 8))
RECHECK_TIERS = frozenset({Urgency.SOON.word})
FOLLOWUP_TIERS = frozenset({Urgency.TODAY.word, Urgency.NOW.word})
TIERS = frozenset(u.word for u in Urgency)  # what ChildFacts.last_tier may say


@dataclass(frozen=True)
class Rule:
    """One kind of reminder as data: the date it keys on, the offset from it, and whom it is for.

    keys_on: the first of these facts the child has decides the date: "last_measured_on", "birth_date" (given, or
        estimated from an age in months) or "calendar" (the fixed days in `calendar_days`).
    months, days: the offset from that date: calendar months first (add_months), then days.
    repeats: the offset is taken again and again (key + k x offset, k = 1, 2, ...) until the child turns five.
    tiers: only after a last measurement of one of these tiers (Urgency.word); None: whatever the tier.
    to_posyandu_day: the date moves to the posyandu day on or after it.
    under_five_only: only while the child is under 60 months on the day that counts (due_on, or for a calendar
        rule the 1st of its weighing month); False for age_out, which is about the 60th month itself.
    """

    kind: str
    keys_on: tuple[str, ...]
    why: str
    months: int = 0
    days: int = 0
    repeats: bool = False
    tiers: frozenset[str] | None = None
    to_posyandu_day: bool = False
    calendar_days: tuple[tuple[int, int, int], ...] = ()
    under_five_only: bool = True


RULES: tuple[Rule, ...] = (
    Rule("measurement", ("last_measured_on", "birth_date"), months=MEASUREMENT_MONTHS, repeats=True,
         to_posyandu_day=True,
         why="monthly weighing at the posyandu (domain-id.md D2, D4): a month after the last measurement, or at the "
             "monthly birthday of a child never measured, moved to the posyandu day; again each month until measured"),
    Rule("recheck", ("last_measured_on",), days=RECHECK_DAYS, tiers=RECHECK_TIERS,
         why="Tumbuh's choice: a child sent to the puskesmas within a week is asked about two weeks after"),
    Rule("followup", ("last_measured_on",), days=FOLLOWUP_DAYS, tiers=FOLLOWUP_TIERS,
         why="Tumbuh's choice: a child sent to a health worker the same day is asked about the next day"),
    Rule("bulan_penimbangan", ("calendar",), calendar_days=BULAN_PENIMBANGAN,
         why="Bulan Penimbangan Balita in February and August (domain-id.md D5): everyone under five is called"),
    Rule("age_out", ("birth_date",), months=ages.UNDER_FIVE_MONTHS, under_five_only=False,
         why="WHO 2006 and Tumbuh's monitoring end at 60 months (ages.UNDER_FIVE_MONTHS): said once, that day"),
)


@dataclass(frozen=True)
class PosyanduDay:
    """When the posyandu meets: a day of the month (1-31; in a shorter month its last day) or a weekday (0 Monday ..
    6 Sunday, a weekly posyandu). Both None: unknown. Both given (the store allows it): it meets on either."""

    day_of_month: int | None = None
    weekday: int | None = None

    def __post_init__(self) -> None:
        if self.day_of_month is not None and not 1 <= self.day_of_month <= 31:
            raise ValueError(f"day_of_month must be 1-31, not {self.day_of_month}")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")


@dataclass(frozen=True)
class ChildFacts:
    """What the reminder rules need to know of one child.

    last_tier: Urgency.word of the last measurement, or None. age_given_months: only an age in months was given at
    last_measured_on (no birth date); the birth date is then estimated from it (estimated_birth_date).
    """

    child_id: int
    birth_date: date | None
    last_measured_on: date | None
    last_tier: str | None
    age_given_months: float | None = None

    def __post_init__(self) -> None:
        if self.last_tier is not None and self.last_tier not in TIERS:
            raise ValueError(f"last_tier must be one of {sorted(TIERS)}, not {self.last_tier!r}")


@dataclass(frozen=True)
class Due:
    """A reminder of one kind that falls due on a day (the sending side keys it by child, kind and due_on)."""

    kind: str
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), on the month's last day when it is shorter:
    31 January + 1 = 28/29 February, 29 February + 12 = 28 February (as ages.completed_months counts them)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def posyandu_day_on_or_after(day: date, pd: PosyanduDay | None) -> date:
    """The first posyandu day on or after `day` (`day` itself when the posyandu day is unknown; the earlier of the
    two when both a day of the month and a weekday are given)."""
    if pd is None or (pd.weekday is None and pd.day_of_month is None):
        return day
    found = []
    if pd.weekday is not None:
        found.append(day + timedelta(days=(pd.weekday - day.weekday()) % 7))
    if pd.day_of_month is not None:
        this_month = _day_in_month(day.year, day.month, pd.day_of_month)
        nxt = add_months(day.replace(day=1), 1)
        found.append(this_month if this_month >= day else _day_in_month(nxt.year, nxt.month, pd.day_of_month))
    return min(found)


_MONTH = timedelta(days=31)


def _at_posyandu(raw: date, pd: PosyanduDay | None) -> date:
    """A monthly date moved to the posyandu: a monthly posyandu's day in the same calendar month (weighed in February
    counts for February in SKDN, even a few days before the month's anniversary: measured 12 January, posyandu on
    the 10th, is due 10 February, not 10 March), else the first posyandu day on or after it."""
    if pd is not None and pd.day_of_month is not None and pd.weekday is None:
        return _day_in_month(raw.year, raw.month, pd.day_of_month)
    return posyandu_day_on_or_after(raw, pd)


def estimated_birth_date(child: ChildFacts) -> date | None:
    """The birth date, given or estimated from the age in months given at last_measured_on (months x 30.4375 days,
    rounded as anthro's round_up, as the measurement flows turn such an age into days); None when unknown."""
    if child.birth_date is not None:
        return child.birth_date
    if child.age_given_months is None or child.last_measured_on is None:
        return None
    age_days = ages.round_up(ages.age_days_from_months(child.age_given_months))
    return child.last_measured_on - timedelta(days=age_days)


def is_under_five_on(child: ChildFacts, day: date) -> bool:
    """Whether the child is under 60 completed months on `day`.

    Without any birth date (given or estimated) Tumbuh takes a measured child as a balita (only balita are measured:
    it was under 60 months on last_measured_on) until 60 months after that measurement, when it surely is not any
    more; a child with neither a birth date nor a measurement is not known to be anything.
    """
    born = estimated_birth_date(child)
    if born is not None:
        return day >= born and ages.completed_months(born, day) < ages.UNDER_FIVE_MONTHS
    if child.last_measured_on is not None:
        return day < add_months(child.last_measured_on, ages.UNDER_FIVE_MONTHS)
    return False


def due_reminders(child: ChildFacts, pd: PosyanduDay | None, today: date, horizon_days: int = 7) -> list[Due]:
    """Every reminder of this child whose due_on falls in [today, today + horizon_days], by date then KINDS order.

    A planner that runs daily and misses a day still finds each reminder, and finds it again on later runs until its
    day passes: the sender remembers what it sent. Nothing but age_out (once: due on the 5th birthday) is due on a
    day the child is 60 months or older.

    measurement: the posyandu day on or after last_measured_on + k months (never measured: birth date + k months),
    k = 1, 2, ...: a child who missed a month is reminded again the next. recheck and followup: once, after a last
    measurement of their tiers. bulan_penimbangan: 25 January / 25 July, for a child under five on 1 February /
    1 August. A child with neither a birth date nor a measurement has no reminders.
    """
    if horizon_days < 0:
        raise ValueError(f"horizon_days must be 0 or more, not {horizon_days}")
    last = today + timedelta(days=horizon_days)
    found: set[Due] = set()
    for rule in RULES:
        if rule.tiers is not None and child.last_tier not in rule.tiers:
            continue
        for due_on, counts_on in _dates(rule, child, pd, today, last):
            if today <= due_on <= last and (not rule.under_five_only or is_under_five_on(child, counts_on)):
                found.add(Due(rule.kind, due_on))
    return sorted(found, key=lambda d: (d.due_on, KINDS.index(d.kind)))


def send_window(due_on: date, time_zone: str) -> tuple[datetime, datetime]:
    """The aware UTC datetimes between which a reminder of that day may go: DAYTIME (08:00-19:00) local time in the
    posyandu's zone (Asia/Jakarta WIB, Asia/Makassar WITA, Asia/Jayapura WIT). The start is inside, the end is not;
    on a Friday next_send_time also keeps out of FRIDAY_PRAYER."""
    zone = ZoneInfo(time_zone)
    start, end = (datetime.combine(due_on, t, tzinfo=zone).astimezone(timezone.utc) for t in DAYTIME)
    return start, end


def next_send_time(at: datetime, time_zone: str) -> datetime:
    """`at` (aware) in UTC when a message may go then, else the next moment it may: daytime local time
    ([08:00, 19:00)), and on Fridays not in [11:00, 13:30) (moved to 13:30)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("next_send_time needs an aware datetime")
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone)
    clock = local.time()
    start, end = DAYTIME
    if clock < start:
        local = datetime.combine(local.date(), start, tzinfo=zone)
    elif clock >= end:
        local = datetime.combine(local.date() + timedelta(days=1), start, tzinfo=zone)
    elif local.weekday() == FRIDAY and FRIDAY_PRAYER[0] <= clock < FRIDAY_PRAYER[1]:
        local = datetime.combine(local.date(), FRIDAY_PRAYER[1], tzinfo=zone)
    return local.astimezone(timezone.utc)


def is_sendable_now(at: datetime, time_zone: str) -> bool:
    """Whether a message may go at `at` (aware): next_send_time(at, time_zone) == at."""
    return next_send_time(at, time_zone) == at


def _day_in_month(year: int, month: int, day_of_month: int) -> date:
    return date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


# Each keys_on fact: the child's date for it (None: the child does not have it).
_KEYS: dict[str, Callable[[ChildFacts], date | None]] = {
    "last_measured_on": lambda child: child.last_measured_on,
    "birth_date": estimated_birth_date,
}


def _dates(rule: Rule, child: ChildFacts, pd: PosyanduDay | None, first: date,
           last: date) -> Iterator[tuple[date, date]]:
    """(due_on, the day whose age counts) of every date of this rule that could fall in [first, last]."""
    if rule.keys_on == ("calendar",):
        for year in range(first.year, last.year + 1):
            for month, day, weighing_month in rule.calendar_days:
                yield date(year, month, day), date(year, weighing_month, 1)
        return
    key = next((d for d in (_KEYS[k](child) for k in rule.keys_on) if d is not None), None)
    if key is None:
        return
    # A repeating rule's k-th date is key + k x offset (from the key each time, so a 31st stays the month's last day);
    # start three months before `first`, as a date moves forward to the posyandu day by up to a month.
    step = 1
    if rule.repeats and rule.months:
        behind = (first.year - key.year) * 12 + first.month - key.month - 3
        step = max(1, behind // rule.months)
    while True:
        raw = add_months(key, rule.months * step) + timedelta(days=rule.days * step)
        # A monthly posyandu's day may come before the anniversary in its month: look one month further.
        if raw > last + (_MONTH if rule.to_posyandu_day else timedelta(0)):
            return
        due_on = _at_posyandu(raw, pd) if rule.to_posyandu_day else raw
        yield due_on, due_on
        if not rule.repeats:
            return
        step += 1
