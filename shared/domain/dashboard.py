"""What the staff dashboard shows, as plain dataclasses, and the pure arithmetic behind its numbers. No I/O.

- Rows of the pages: TodayRow ("Hari ini"), ChildRow (a search, the not-weighed list), ChildView (a child's page,
  with MessageRow and ReminderRow), PosyanduMonth (SKDN and prevalence of one posyandu in one month), PosyanduRecap
  (the printable recap of one posyandu's month, by age band).
- `month_counts`: one month of one posyandu from the recap's inputs. S, K, D, N and the prevalence are
  shared.domain.recap's; the register's other letters (T, O, B, 2T, BGM) are counted here from the same weighing
  of each child. It is the definition: shared.adapters.postgres.dashboard computes the same numbers for many
  posyandu at once in SQL, and a test holds the two equal.
- The e-PPGBM export: its columns in order with each value's source (EPPGBM_COLUMNS), and `eppgbm_row`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain.advice import Urgency
from shared.domain.model import Child, Measurement
from shared.domain.recap import RecapChild, RecapMeasurement, RecapRow, band_of, month_end, recap

# The tiers "Hari ini" lists, most urgent first: the advice matrix's referrals (a routine visit needs no action).
URGENT_TIERS: tuple[str, ...] = tuple(u.word for u in sorted(Urgency, reverse=True) if u > Urgency.ROUTINE)
TODAY_WINDOW_DAYS = 90  # a referral measured longer ago than this is no longer "today's" (three posyandu months)
MESSAGES_DAYS = 90  # the messages a child's page shows (outbound_messages are kept this long: services.retention)


@dataclass(frozen=True)
class TodayRow:
    """A child whose latest trusted measurement asks for action (tier now, today or soon)."""

    child_id: int
    name: str
    sex: str  # "M" or "F"
    birth_date: date | None
    posyandu_id: int
    posyandu: str
    tier: str  # Urgency.word: "now", "today" or "soon"
    findings: tuple[str, ...]  # the advice matrix's finding keys as stored (advice.FINDINGS), most urgent first
    measured_on: date
    weight_kg: float | None
    lenhei_cm: float | None
    measure: str | None  # "l" lying, "h" standing
    guardian_wa_id: str | None  # the consenting parent's WhatsApp number (for wa.me / tel:), None without one
    guardian_unreachable: bool = False  # Meta said the number is not on WhatsApp: call instead
    # The follow-up reminder sent about this measurement ("are you back from the puskesmas?"): the family's answer
    # ("done", "later", "stop"), "unanswered", or None when none was sent (a "soon" tier has none).
    followup: str | None = None


@dataclass(frozen=True)
class ChildRow:
    """A child in a list: a search result, or one not weighed in a month."""

    child_id: int
    name: str
    sex: str
    birth_date: date | None
    posyandu_id: int
    posyandu: str
    last_weighed_on: date | None  # the latest measurement with a weight, None when never weighed


@dataclass(frozen=True)
class MessageRow:
    """A message Tumbuh sent to a family's number, with the best delivery status Meta reported."""

    sent_at: datetime
    kind: str  # outbound_messages.kind: "reply", "result", "reminder", "chart", ...
    status: str  # sent, delivered, read, failed
    status_at: datetime | None


@dataclass(frozen=True)
class ReminderRow:
    """A reminder about the child (reminders table): planned, sent, answered or cancelled."""

    kind: str  # shared.domain.reminders.KINDS
    due_on: date
    sent_at: datetime | None
    answer: str | None  # done, later, stop
    cancel_reason: str | None  # why it was not sent (stop, measured, late, ...)


@dataclass(frozen=True)
class ChildView:
    """A child's page: the child, its posyandu, the family's number, every measurement and what was sent.

    Messages are not linked to a child in the store (outbound_messages names the family): `messages` are those sent
    to the family's number in the last MESSAGES_DAYS days, whichever of its children they were about; `reminders` are
    the child's own.
    """

    child: Child
    posyandu: str
    village: str
    guardian_wa_id: str | None
    measurements: list[Measurement]  # newest first
    messages: list[MessageRow] = field(default_factory=list)  # newest first
    reminders: list[ReminderRow] = field(default_factory=list)  # latest due first


def percent(top: int, bottom: int) -> float | None:
    """top/bottom in percent to one decimal (the Sheet's Rekap rounds the same); None when bottom is 0."""
    return None if bottom == 0 else round(top * 100 / bottom, 1)


@dataclass(frozen=True)
class MonthCounts:
    """One month of one posyandu (reference/domain-id.md D4), every age band together.

    s, k, d, n: SKDN as shared.domain.recap defines them. Of the D children, by their weighing counted in D: t (T,
    not gained), o (O, not weighed the month before), b (B, first weighing), two_t (2T, a subset of T), bgm (below
    the red line; a flagged weight-for-age is left out, as for the prevalence). So d = n + t + o + b + those whose
    gain could not be judged (a re-weigh within the month, too soon after the last, a newborn, an implausible value).
    The prevalence counts (len/wfl/wfa measured and stunted/wasted/underweight) leave flagged values out.
    """

    s: int
    k: int
    d: int
    n: int
    t: int
    o: int
    b: int
    two_t: int
    bgm: int
    len_measured: int
    stunted: int
    wfl_measured: int
    wasted: int
    wfa_measured: int
    underweight: int

    @property
    def d_s(self) -> float | None:
        """Participation (the key indicator), %."""
        return percent(self.d, self.s)

    @property
    def n_d(self) -> float | None:
        """Weighing success, %."""
        return percent(self.n, self.d)

    @property
    def k_s(self) -> float | None:
        """Coverage, %."""
        return percent(self.k, self.s)

    @property
    def n_s(self) -> float | None:
        """Overall result, %."""
        return percent(self.n, self.s)

    @property
    def stunting(self) -> float | None:
        """Stunting prevalence (pendek + sangat pendek among those measured, flagged left out), %."""
        return percent(self.stunted, self.len_measured)

    @property
    def wasting(self) -> float | None:
        """Wasting prevalence (gizi kurang + gizi buruk, oedema counted as gizi buruk), %."""
        return percent(self.wasted, self.wfl_measured)

    @property
    def underweight_pct(self) -> float | None:
        """Underweight prevalence (BB kurang + BB sangat kurang), %."""
        return percent(self.underweight, self.wfa_measured)


@dataclass(frozen=True)
class PosyanduMonth(MonthCounts):
    """MonthCounts of one posyandu in one month (`month`: its first day)."""

    posyandu_id: int
    posyandu: str
    village: str
    month: date

    @classmethod
    def of(cls, counts: MonthCounts, posyandu_id: int, posyandu: str, village: str, month: date) -> PosyanduMonth:
        """A month's counts with the posyandu and month they are of."""
        return cls(**vars(counts), posyandu_id=posyandu_id, posyandu=posyandu, village=village, month=month)


@dataclass(frozen=True)
class PosyanduRecap:
    """One posyandu's month as the printable recap shows it: shared.domain.recap's rows by age band (Format F2, the
    total last) and the month's totals with the register's other letters."""

    posyandu_id: int
    posyandu: str
    village: str
    month: date
    bands: list[RecapRow]
    total: MonthCounts


def _flagged(a: dict, indicator: str) -> bool:
    return bool((a.get(indicator) or {}).get("flag"))


def counted_weighings(month: date, measurements: list[RecapMeasurement]) -> dict[int, RecapMeasurement]:
    """The weighing of each child that counts in the month's D, by child id: its last weighing of the month (the
    latest stored on the same day), when that day's age is 0-59 completed months (shared.domain.recap's rule)."""
    first, last = month.replace(day=1), month_end(month)
    latest: dict[int, RecapMeasurement] = {}
    for m in sorted(measurements, key=lambda m: m.measured_on):  # stable: the input's order (by id) breaks ties
        if first <= m.measured_on <= last and m.weighed:
            latest[m.child_id] = m
    out = {}
    for child_id, m in latest.items():
        age = (m.assessment or {}).get("age_months")
        if age is not None and band_of(int(age)) is not None:
            out[child_id] = m
    return out


def month_counts(month: date, children: list[RecapChild], measurements: list[RecapMeasurement]) -> MonthCounts:
    """The month `month` falls in, for the children of one posyandu and their measurements (at least those of the
    month; a child known only by an age given needs its earliest measurement too, as shared.domain.recap says)."""
    total = recap(month, children, measurements)[-1]
    letters = {"T": 0, "O": 0, "B": 0}
    two_t = bgm = 0
    for m in counted_weighings(month, measurements).values():
        a = m.assessment or {}
        gain = a.get("gain") or {}
        if gain.get("code") in letters:
            letters[gain["code"]] += 1
        two_t += bool(gain.get("two_t"))
        bgm += bool(a.get("bgm")) and not _flagged(a, "weight_for_age")
    return MonthCounts(total.s, total.k, total.d, total.n, letters["T"], letters["O"], letters["B"], two_t, bgm,
                       total.len_measured, total.stunted, total.wfl_measured, total.wasted, total.wfa_measured,
                       total.underweight)


# The e-PPGBM monthly import (Sigizi Terpadu, reference/domain-id.md D2 and D5): one row per measurement, columns in
# the register's order: the child's identity, then the visit. (header, where Tumbuh takes the value from).
EPPGBM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Nama Anak", "children.name"),
    ("NIK", "empty: Tumbuh does not collect the NIK"),
    ("Jenis Kelamin", "children.sex: L (laki-laki) or P (perempuan)"),
    ("Tanggal Lahir", "children.birth_date, DD/MM/YYYY; empty when the family gave only an age in months"),
    ("Nama Orang Tua", "empty: Tumbuh keeps no parent's name"),
    ("Posyandu", "posyandu.name"),
    ("Desa/Kelurahan", "posyandu.village"),
    ("Tanggal Pengukuran", "measurements.measured_on, DD/MM/YYYY"),
    ("Berat Badan (kg)", "measurements.weight_kg, decimal comma (12,4); empty when not weighed"),
    ("Tinggi Badan (cm)", "measurements.lenhei_cm (PB lying or TB standing as measured, no +/-0.7 cm), decimal comma"),
    ("Cara Ukur", "measurements.measure: terlentang (l, lying) or berdiri (h, standing)"),
    ("Lingkar Kepala (cm)", "measurements.headc_cm, decimal comma"),
    ("LILA (cm)", "measurements.armc_cm, decimal comma"),
    ("BB/U", "measurements.assessment weight_for_age category, in Permenkes 2/2020 words"),
    ("TB/U", "measurements.assessment length_for_age category (PB/U or TB/U), in Permenkes 2/2020 words"),
    ("BB/TB", "measurements.assessment weight_for_length category (BB/PB or BB/TB), in Permenkes 2/2020 words; "
              "with bilateral oedema, Gizi buruk (WHO counts oedema as severe wasting)"),
)
EPPGBM_HEADERS: tuple[str, ...] = tuple(h for h, _ in EPPGBM_COLUMNS)
# The import's coded values: sex and measuring position, and the status names of Permenkes 2/2020 (reference/
# domain-id.md D1) for the stored categories (shared.domain.growth.classify), per indicator.
EPPGBM_SEX = {"M": "L", "F": "P"}
EPPGBM_MEASURE = {"l": "terlentang", "h": "berdiri"}
EPPGBM_STATUS = {
    "weight_for_age": {"severely_underweight": "Berat badan sangat kurang", "underweight": "Berat badan kurang",
                       "normal": "Berat badan normal", "risk_of_overweight": "Risiko berat badan lebih"},
    "length_for_age": {"severely_stunted": "Sangat pendek", "stunted": "Pendek", "normal": "Normal",
                       "tall": "Tinggi"},
    "weight_for_length": {"severely_wasted": "Gizi buruk", "wasted": "Gizi kurang", "normal": "Gizi baik",
                          "possible_risk_of_overweight": "Berisiko gizi lebih", "overweight": "Gizi lebih",
                          "obese": "Obesitas"},
}


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""


def _number(value: float | None) -> str:
    """A measured value as the register writes it: as stored (no trailing zeros), with a decimal comma."""
    if value is None:
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def _status(assessment: dict, indicator: str) -> str:
    category = (assessment.get(indicator) or {}).get("category")
    return EPPGBM_STATUS[indicator].get(category or "", "")


def eppgbm_row(child: Child, posyandu: str, village: str, m: Measurement) -> dict[str, str]:
    """One measurement as an e-PPGBM import row: {header: text}, in EPPGBM_COLUMNS order."""
    a = m.assessment or {}
    values = (child.name, "", EPPGBM_SEX.get(child.sex, ""), _day(child.birth_date), "", posyandu, village,
              _day(m.measured_on), _number(m.weight_kg), _number(m.lenhei_cm), EPPGBM_MEASURE.get(m.measure or "", ""),
              _number(m.headc_cm), _number(m.armc_cm), _status(a, "weight_for_age"), _status(a, "length_for_age"),
              _status(a, "weight_for_length"))
    return dict(zip(EPPGBM_HEADERS, values))
