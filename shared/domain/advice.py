"""The advice matrix: what one measurement means for the child in front of us, decided in one place.

Age band x Permenkes categories x oedema x LILA x head circumference x weight gain x a confirmed extreme value x
what the family said (danger signs, illness, food refusal) -> an urgency tier, the status line (most urgent
first), one sentence per finding, and the advice keys. The chat, the kader's and the parent's messages (and
later the Sheet, reminders and dashboard) read it; `docs/advice.md` is generated from it for review.

Pure standard library: findings and their consequences are data (FINDINGS, FEEDING, DANGER_SIGNS); only
`findings_of` is code, and it only says which findings apply. Words live in the message catalogue under the
keys named here. Sources are cited per finding; where Tumbuh adds a rule of its own, the source says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from shared.domain.growth.classify import ArmCircumference, HeadCircumference, LengthForAge, WeightForAge, \
    WeightForLength
from shared.domain.growth.weight_gain import GainStatus


class Urgency(IntEnum):
    """How soon a health worker should see the child: three tiers of referral, and the routine monthly visit."""

    ROUTINE = 0  # the monthly posyandu visit
    SOON = 1  # puskesmas or bidan within a week
    TODAY = 2  # the puskesmas the same day
    NOW = 3  # danger signs: the IGD or puskesmas now

    @property
    def word(self) -> str:
        """Stable lower-case name (stored with a measurement, used in catalogue keys)."""
        return self.name.lower()


# Age bands in completed months. The matrix's three bands are 0-5 (ASI eksklusif), 6-23 (MP-ASI) and 24-59
# (family food); 6-23 is split where PMBA changes texture, frequency and portion (reference/domain-id.md D7).
AGE_BANDS = ("0-5", "6-8", "9-11", "12-23", "24-59")
INFANT, YOUNG, OLDER = ("0-5",), ("6-8", "9-11", "12-23"), ("24-59",)


def age_band(age_months: int) -> str:
    """The matrix age band of a child of this many completed months (0-59)."""
    if age_months < 6:
        return "0-5"
    if age_months < 9:
        return "6-8"
    if age_months < 12:
        return "9-11"
    return "12-23" if age_months < 24 else "24-59"


def by_band(infant: tuple[str, ...] = (), young: tuple[str, ...] = (), older: tuple[str, ...] = ()) -> dict:
    """Advice keys per age band from the three groups (0-5, 6-23, 24-59 months)."""
    return {**{b: infant for b in INFANT}, **{b: young for b in YOUNG}, **{b: older for b in OLDER}}


@dataclass(frozen=True)
class Finding:
    """One thing a measurement (or the family) told us, and what follows from it."""

    key: str  # stable id, stored with the measurement; catalogue keys are status_<key> and summary_<key>
    tier: Urgency
    acute: bool  # acute malnutrition or illness: the danger signs are listed with the result
    advice: dict  # age band -> advice catalogue keys, said after the tier line, in FINDINGS order
    source: str
    summary_by_band: dict = field(default_factory=dict)  # age band -> summary key, when the sentence needs the age
    silenced_by: frozenset = frozenset()  # its advice is not given when one of these findings is present
    status_by_band: dict = field(default_factory=dict)  # age band -> status key, when the words need the age

    @property
    def status(self) -> str:
        """Catalogue key of the words in the status line (the general one; see status_for)."""
        return f"status_{self.key}"

    def status_for(self, band: str) -> str:
        """Catalogue key of the status words for a child in this age band."""
        return self.status_by_band.get(band, self.status)

    def summary(self, band: str) -> str:
        """Catalogue key of this finding's own sentence for a child in this age band."""
        return self.summary_by_band.get(band, f"summary_{self.key}")


_SAM = by_band(("adv_sam_infant",), ("adv_sam",), ("adv_sam",))
_GAIN_WEIGHT = by_band(("adv_breastfeeding_support",), ("adv_energy_young",), ("adv_energy_older",))
_STUNTED = by_band(("adv_breastfeeding_support",), ("adv_stunted",), ("adv_stunted",))
_STUNTED_SUMMARY = "summary_{}_under2", "summary_{}_over2"
_OVER = by_band(("adv_over_infant",), ("adv_over_young",), ("adv_over_older",))
# Measurements that say "too thin" and "too heavy" at once contradict each other (a typo, or a child a health worker
# must see); the advice to gain weight wins, so a thin child is never told to eat less.
_THIN = frozenset({"oedema", "severely_wasted", "muac_severe", "wasted", "muac_moderate", "severely_underweight",
                   "underweight", "large_loss"})


def _stunting_sentences(key: str) -> dict:
    under, over = (s.format(key) for s in _STUNTED_SUMMARY)
    return {**{b: under for b in INFANT + YOUNG}, **{b: over for b in OLDER}}


def _infant_sentence(key: str) -> dict:
    return {b: f"summary_{key}_infant" for b in INFANT}


# In status-line order: oedema / gizi buruk (WHZ or LILA) -> gizi kurang -> sangat pendek -> pendek -> BB sangat
# kurang -> the rest: what can kill soonest is read first. A family's stated danger sign comes before everything.
FINDINGS: tuple[Finding, ...] = (
    Finding("danger_sign", Urgency.NOW, True, by_band(),
            "MTBS general danger signs (tidak bisa minum/menyusu, memuntahkan semua, kejang, letargis/tidak sadar) "
            "and urgent signs (sesak, diare dengan dehidrasi): refer immediately"),
    Finding("oedema", Urgency.TODAY, True, _SAM,
            "WHO 2013 SAM guideline; Kemenkes Pedoman Tatalaksana Gizi Buruk 2019: bilateral pitting oedema is gizi "
            "buruk whatever the weight; Tumbuh: always a same-day referral"),
    Finding("severely_wasted", Urgency.TODAY, True, _SAM,
            "Permenkes 2/2020 BB/PB-BB/TB (or IMT/U) < -3 SD gizi buruk; WHO 2013 SAM guideline; Kemenkes 2019"),
    Finding("muac_severe", Urgency.TODAY, True, _SAM,
            "WHO 2013 SAM guideline, Kemenkes 2019: LILA < 11.5 cm (6-59 months) is gizi buruk whatever the weight"),
    Finding("confirmed_extreme", Urgency.TODAY, False, by_band(),
            "Tumbuh's rule: a value outside WHO's plausibility limits that a second measurement confirms is seen "
            "by a health worker the same day (WHO anthro flags; a real value that extreme is a medical concern)"),
    Finding("large_loss", Urgency.TODAY, True, _GAIN_WEIGHT,
            "Tumbuh's rule: a real loss of 5 % or more since the last weighing (MTBS: 5 % marks dehydration; WHO "
            "2013: recent weight loss is a reason to refer) is urgent, not merely 'tidak naik'"),
    Finding("wasted", Urgency.SOON, True, _GAIN_WEIGHT,
            "Permenkes 2/2020 BB/PB-BB/TB (or IMT/U) -3 SD to < -2 SD gizi kurang; Kemenkes 2019: moderate acute "
            "malnutrition is followed up at the puskesmas"),
    Finding("muac_moderate", Urgency.SOON, True, _GAIN_WEIGHT,
            "WHO 2013, Kemenkes 2019: LILA 11.5 to < 12.5 cm (6-59 months) is gizi kurang"),
    Finding("severely_stunted", Urgency.SOON, False, _STUNTED,
            "Permenkes 2/2020 PB/U-TB/U < -3 SD sangat pendek: referral to puskesmas to look for causes",
            _stunting_sentences("severely_stunted")),
    Finding("stunted", Urgency.SOON, False, _STUNTED,
            "Permenkes 2/2020 PB/U-TB/U -3 SD to < -2 SD pendek: referral to puskesmas to look for causes",
            _stunting_sentences("stunted")),
    Finding("severely_underweight", Urgency.TODAY, False, _GAIN_WEIGHT,
            "Permenkes 2/2020 BB/U < -3 SD; Buku KIA 2023: below the red line (BGM, -3 SD on the KMS) -> rujuk"),
    Finding("underweight", Urgency.SOON, False, _GAIN_WEIGHT,
            "Permenkes 2/2020 BB/U -3 SD to < -2 SD berat badan kurang: a health worker checks why"),
    Finding("two_t", Urgency.SOON, False, _GAIN_WEIGHT,
            "Buku KIA 2023 / Juknis KMS: 2T (two months in a row without the minimum gain) -> rujuk"),
    Finding("not_gained", Urgency.SOON, False, by_band(("adv_breastfeeding_support",), ("adv_not_gained",),
                                                         ("adv_not_gained",)),
            "Buku KIA 2023: refer when the weight does not go up (T), is below the red line, or above the orange line"),
    Finding("weight_down", Urgency.SOON, False, _GAIN_WEIGHT,
            "Tumbuh's rule: a real loss of 2 % or more that the KMS does not mark T (a re-weigh in the same month, "
            "or after a missed month) is named and checked, as Buku KIA refers a weight that does not go up"),
    Finding("head_severely_small", Urgency.SOON, False, by_band(("adv_head",), ("adv_head",), ("adv_head",)),
            "WHO Child Growth Standards head circumference-for-age: < -3 SD (severe microcephaly) -> assessment, "
            "not a diagnosis (reference/domain-id.md D7)"),
    Finding("head_small", Urgency.SOON, False, by_band(("adv_head",), ("adv_head",), ("adv_head",)),
            "WHO Child Growth Standards head circumference-for-age: < -2 SD (microcephaly) -> assessment, not a "
            "diagnosis (reference/domain-id.md D7)"),
    Finding("head_large", Urgency.SOON, False, by_band(("adv_head",), ("adv_head",), ("adv_head",)),
            "WHO Child Growth Standards head circumference-for-age: > +2 SD (macrocephaly) -> assessment"),
    Finding("obese", Urgency.SOON, False, _OVER,
            "Permenkes 2/2020 BB/PB-BB/TB > +3 SD obesitas: assessment by a health worker; never a diet under 2",
            silenced_by=_THIN),
    Finding("overweight", Urgency.SOON, False, _OVER,
            "Permenkes 2/2020 BB/PB-BB/TB > +2 to +3 SD gizi lebih: assessment; never a diet under 2",
            silenced_by=_THIN),
    Finding("possible_risk_of_overweight", Urgency.ROUTINE, False, _OVER,
            "Permenkes 2/2020 BB/PB-BB/TB > +1 to +2 SD berisiko gizi lebih: watch at the monthly visit",
            silenced_by=_THIN),
    Finding("risk_of_overweight_unchecked", Urgency.SOON, False, by_band(("adv_check_wfl",), ("adv_check_wfl",),
                                                                         ("adv_check_wfl",)),
            "Permenkes 2/2020 BB/U > +1 SD, footnote 1: confirm with BB/PB or IMT/U; Buku KIA: refer above the "
            "orange line (no length was measured, so it cannot be confirmed here)"),
    Finding("risk_of_overweight", Urgency.ROUTINE, False, by_band(),
            "Permenkes 2/2020 BB/U > +1 SD, footnote 1: confirmed by BB/PB-BB/TB, which is normal here"),
    Finding("tall", Urgency.ROUTINE, False, by_band(("adv_tall",), ("adv_tall",), ("adv_tall",)),
            "Permenkes 2/2020 PB/U-TB/U > +3 SD tinggi, footnote 2: usually not a problem; refer if an endocrine "
            "cause is suspected"),
    # What the family said: the sentence answers it (in the first message, beside the rest of the result).
    Finding("illness", Urgency.SOON, True, by_band(),
            "MTBS: a sick child is checked at the puskesmas; keep breastfeeding and feeding during illness, ORS for "
            "diarrhoea (WHO/UNICEF IYCF, feeding during illness)", _infant_sentence("illness")),
    Finding("food_refusal", Urgency.SOON, True, by_band(),
            "PMBA responsive feeding (WHO/UNICEF IYCF guiding principles): small, frequent, unforced meals; a child "
            "who will not eat for days is checked (Tumbuh: within a week, at once with a danger sign)",
            _infant_sentence("food_refusal"), status_by_band={b: "status_food_refusal_infant" for b in INFANT}),
)
BY_KEY = {f.key: f for f in FINDINGS}
STATUS_ORDER = tuple(f.key for f in FINDINGS)

# Feeding by age, said after the findings' advice for every child (PMBA / WHO-UNICEF IYCF, reference D7).
FEEDING = {
    "0-5": "feed_0_5",  # ASI eksklusif: no water, honey, formula or food
    "6-8": "feed_6_8",  # lumat, 2-3 meals + 1-2 snacks, from 2-3 spoonfuls
    "9-11": "feed_9_11",  # cincang/lembik, 3-4 meals + 1-2 snacks, 1/2 bowl of 250 ml
    "12-23": "feed_12_23",  # family food, 3-4 meals + 1-2 snacks, 3/4-1 bowl, ASI to 2 years
    "24-59": "feed_24_59",  # family food, balanced
}
# The danger signs, listed with every acute result (MTBS; an infant's list speaks of breastfeeding only).
DANGER_SIGNS = {b: ("danger_signs_infant" if b in INFANT else "danger_signs") for b in AGE_BANDS}
CONCERNS = ("danger_sign", "illness", "food_refusal")  # what parsers.extract_quick_entry reports


@dataclass(frozen=True)
class Situation:
    """Everything the matrix looks at, already classified. Categories are None when not measured, when a
    flagged value was not confirmed, or (weight-based ones) when oedema makes the weight meaningless."""

    age_months: int
    weight_for_age: WeightForAge | None = None
    length_for_age: LengthForAge | None = None
    weight_for_length: WeightForLength | None = None  # BB/PB-BB/TB, else IMT/U (same classes)
    muac: ArmCircumference | None = None
    head: HeadCircumference | None = None
    oedema: bool = False
    gain: GainStatus | None = None
    two_t: bool = False
    large_loss: bool = False
    weight_down: bool = False  # a noticed loss (2 % or more) without a T
    confirmed_extreme: bool = False
    concerns: frozenset = frozenset()


@dataclass(frozen=True)
class Advice:
    """What the matrix decided for one situation. The first message says the status, the sentences, the tier
    line and the danger signs (what matters most arrives first, without waiting for the chart); the second, under
    the chart, the advice."""

    band: str
    tier: Urgency
    findings: tuple[Finding, ...]  # status-line order, most urgent first
    reason: Finding | None  # the finding that sets the tier (named in the tier line)
    summaries: tuple[str, ...]  # catalogue keys: one sentence per finding, or the good-growth sentence
    danger_signs: str | None  # catalogue key of the danger signs for this age, when they are to be listed
    advice: tuple[str, ...]  # catalogue keys: the findings' advice for the age band, then feeding

    @property
    def tier_key(self) -> str | None:
        """Catalogue key of the line that says how soon to go and why (None for routine)."""
        return None if self.tier is Urgency.ROUTINE else f"urgent_{self.tier.word}"

    @property
    def status_keys(self) -> tuple[str, ...]:
        """Catalogue keys of the status line, most urgent first ('status_normal' when nothing is found)."""
        return tuple(f.status_for(self.band) for f in self.findings) or ("status_normal",)

    @property
    def reason_key(self) -> str | None:
        """Catalogue key of the words naming why the tier applies (the first finding of that tier)."""
        return None if self.reason is None else self.reason.status_for(self.band)


# Keyed by category or None (not measured): a missing category names no finding.
_WASTING: dict[WeightForLength | None, str] = {
    WeightForLength.SEVERELY_WASTED: "severely_wasted", WeightForLength.WASTED: "wasted",
    WeightForLength.OBESE: "obese", WeightForLength.OVERWEIGHT: "overweight",
    WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT: "possible_risk_of_overweight"}
_STUNTING: dict[LengthForAge | None, str] = {
    LengthForAge.SEVERELY_STUNTED: "severely_stunted", LengthForAge.STUNTED: "stunted", LengthForAge.TALL: "tall"}
_WEIGHT: dict[WeightForAge | None, str] = {
    WeightForAge.SEVERELY_UNDERWEIGHT: "severely_underweight", WeightForAge.UNDERWEIGHT: "underweight"}
_MUAC: dict[ArmCircumference | None, str] = {
    ArmCircumference.SEVERE: "muac_severe", ArmCircumference.MODERATE: "muac_moderate"}
_HEAD: dict[HeadCircumference | None, str] = {
    HeadCircumference.SEVERELY_SMALL: "head_severely_small", HeadCircumference.SMALL: "head_small",
    HeadCircumference.LARGE: "head_large"}


def findings_of(s: Situation) -> set[str]:
    """The keys of every finding that applies (no ordering or wording here: that is FINDINGS)."""
    found = {c for c in s.concerns if c in BY_KEY}
    if s.oedema:
        found.add("oedema")  # weight-based categories are not interpreted with oedema (WHO)
    else:
        found |= {k for k in (_WASTING.get(s.weight_for_length), _WEIGHT.get(s.weight_for_age)) if k}
        if s.weight_for_age is WeightForAge.RISK_OF_OVERWEIGHT:
            found.add("risk_of_overweight" if s.weight_for_length is not None else "risk_of_overweight_unchecked")
    found |= {k for k in (_STUNTING.get(s.length_for_age), _MUAC.get(s.muac), _HEAD.get(s.head)) if k}
    if s.two_t:
        found.add("two_t")
    elif s.gain is GainStatus.NOT_GAINED and not s.large_loss:  # a large loss says more than "tidak naik"
        found.add("not_gained")
    if s.large_loss:
        found.add("large_loss")
    elif s.weight_down and "not_gained" not in found and "two_t" not in found:
        found.add("weight_down")
    if s.confirmed_extreme:
        found.add("confirmed_extreme")
    return found


def decide(s: Situation) -> Advice:
    """The matrix's answer for one situation: tier, status line, sentences and advice keys."""
    band = age_band(s.age_months)
    keys = findings_of(s)
    findings = tuple(f for f in FINDINGS if f.key in keys)
    tier = max((f.tier for f in findings), default=Urgency.ROUTINE)
    reason = next((f for f in findings if f.tier is tier), None) if tier is not Urgency.ROUTINE else None
    danger = tier >= Urgency.TODAY or any(f.acute for f in findings)
    advice: list[str] = []
    for f in findings:
        if not f.silenced_by & keys:
            advice += [k for k in f.advice.get(band, ()) if k not in advice]
    advice.append(FEEDING[band])
    # Nothing found, but without a length nothing can be said of stunting or wasting: "growing well" would claim it.
    good = "summary_good" if s.length_for_age is not None or s.oedema else "summary_good_weight_only"
    summaries = tuple(f.summary(band) for f in findings) or (good,)
    return Advice(band, tier, findings, reason, summaries, DANGER_SIGNS[band] if danger else None, tuple(advice))


def situation_of(a, gain=None, *, confirmed: bool = False, concerns=()) -> Situation:
    """The situation of a GrowthAssessment (and its WeightGain): flagged categories count only when the family
    re-measured and confirmed them; with oedema the weight-based ones are not interpreted."""

    def category(result):
        return None if result.category is None or (result.flagged and not confirmed) else result.category

    wasting = category(a.weight_for_length) or category(a.bmi_for_age)
    return Situation(
        age_months=a.age_months,
        weight_for_age=None if a.oedema else category(a.weight_for_age),
        length_for_age=category(a.length_for_age),
        weight_for_length=None if a.oedema else wasting,
        muac=a.muac,
        head=category(a.head_circumference_for_age),
        oedema=a.oedema,
        gain=gain.status if gain is not None else None,
        two_t=bool(gain is not None and gain.two_t),
        large_loss=bool(gain is not None and gain.large_loss),
        weight_down=bool(gain is not None and gain.loss_g),
        confirmed_extreme=confirmed,
        concerns=frozenset(c for c in concerns if c in CONCERNS),
    )


