"""The Pengukuran tab's formula columns: age, WHO z-scores and flags, Permenkes categories, LILA and head classes and
the urgency, computed by the Sheet itself so that a kader who types a row by hand sees the status at once.

Pure: formula text only, generated here from the growth engine's constants, the WHO table tabs (who_tabs), the advice
matrix's tiers and the message catalogue's words; never typed twice. Each formula is a template naming columns as
[key] (e.g. "[weight_kg]"); measurement_formulas(r) puts in the cells of sheet row r. Only functions that Google Sheets
and LibreOffice Calc compute alike: IF, AND, OR, NOT, ABS, ROUND, TRUNC, INT, POWER, INDEX, ISNUMBER, TRIM, DATE,
YEAR, MONTH, DAY. The steps mirror shared/domain/growth/who2006.py compute(); hidden helper columns hold one step
each (the exact age, a table row, L, M and S, the unrounded z).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from shared.domain import advice
from shared.domain.growth import ages, classify, who2006, zscore
from shared.domain.growth.classify import ArmCircumference, HeadCircumference, LengthForAge, WeightForAge, \
    WeightForLength
from shared.domain.growth.weight_gain import GainStatus
from shared.flows.messages import ID
from shared.sheet import layout
from shared.sheet.layout import Column, Tab
from shared.sheet.who_tabs import who_tab

HELPER = "bantu: "  # header prefix of the hidden helper columns

# What a kader reads first (left), then the scores as WHO prints them, then the hidden steps.
VISIBLE = (
    Column("age_days", "Umur (hari)"),
    Column("age_months", "Umur (bln)"),
    Column("category_zlen", "Status PB/U-TB/U"),
    Column("category_zwei", "Status BB/U"),
    Column("category_zwfl", "Status BB/PB-BB/TB"),
    Column("category_zbmi", "Status IMT/U"),
    Column("category_hc", "Status LK/U"),
    Column("category_muac", "Status LILA"),
    Column("urgency", "Tindak Lanjut"),
    Column("remeasure", "Ukur Ulang"),
    Column("zlen", "Z PB/U-TB/U"),
    Column("flen", "Flag PB/U-TB/U"),
    Column("zwei", "Z BB/U"),
    Column("fwei", "Flag BB/U"),
    Column("zwfl", "Z BB/PB-BB/TB"),
    Column("fwfl", "Flag BB/PB-BB/TB"),
    Column("zbmi", "Z IMT/U"),
    Column("fbmi", "Flag IMT/U"),
    Column("zhc", "Z LK/U"),
    Column("fhc", "Flag LK/U"),
    Column("zac", "Z LILA/U"),
    Column("fac", "Flag LILA/U"),
    Column("cmeasure", "Cara Ukur Dipakai"),
    Column("clenhei", "PB/TB Dipakai (cm)"),
    Column("cbmi", "IMT (kg/m2)"),
)


SD_POINTS = {"sd3": 3, "sd2": 2, "sdm2": -2, "sdm3": -3}  # the SD lines the restricted tails are measured with


def _sd_helpers(part: str, what: str) -> tuple[Column, ...]:
    return tuple(Column(f"{part}_{name}", f"{HELPER}{what} pada {k:+d} SD") for name, k in SD_POINTS.items())


def _lms_helpers(indicator: str, z_name: str, what: str, restricted: bool) -> tuple[Column, ...]:
    lms = (Column(f"{z_name}_lms", f"{HELPER}z {what} (LMS)"), *_sd_helpers(indicator, what)) if restricted else ()
    return (Column(f"{indicator}_row", f"{HELPER}baris WHO {indicator}"),
            Column(f"{indicator}_l", f"{HELPER}L {what}"),
            Column(f"{indicator}_m", f"{HELPER}M {what}"),
            Column(f"{indicator}_s", f"{HELPER}S {what}"),
            *lms,
            Column(f"{z_name}_raw", f"{HELPER}z {what} (belum dibulatkan)"))


HELPERS = (
    Column("age_exact", f"{HELPER}umur tepat (hari)"),
    Column("age_months_exact", f"{HELPER}umur tepat (bln)"),
    Column("readable", f"{HELPER}data terbaca"),
    Column("sex_code", f"{HELPER}kode JK"),
    Column("oedema_yes", f"{HELPER}edema"),
    Column("c9mo", f"{HELPER}TB sebelum 9 bln"),
    Column("in_standard", f"{HELPER}umur dalam standar WHO"),
    *_lms_helpers("lhfa", "zlen", "PB/U-TB/U", restricted=False),
    *_lms_helpers("wfa", "zwei", "BB/U", restricted=True),
    Column("wfl_len", f"{HELPER}tabel BB/PB (1) atau BB/TB (0)"),
    Column("wfl_x10", f"{HELPER}PB/TB x10 dibulatkan ke bawah"),
    Column("wfl_diff", f"{HELPER}sisa untuk interpolasi"),
    Column("wfl_ok", f"{HELPER}BB/PB-BB/TB bisa dihitung"),
    Column("wfl_row", f"{HELPER}baris WHO wfl/wfh"),
    Column("wfl_row1", f"{HELPER}baris WHO wfl/wfh berikutnya"),
    *(Column(f"wfl_{p}{n}", f"{HELPER}{p.upper()}{n} BB/PB-BB/TB") for p in "lms" for n in "01"),
    *(Column(f"wfl_{p}", f"{HELPER}{p.upper()} BB/PB-BB/TB") for p in "lms"),
    Column("zwfl_lms", f"{HELPER}z BB/PB-BB/TB (LMS)"),
    *_sd_helpers("wfl", "BB/PB-BB/TB"),
    Column("zwfl_raw", f"{HELPER}z BB/PB-BB/TB (belum dibulatkan)"),
    *_lms_helpers("bmi", "zbmi", "IMT/U", restricted=True),
    *_lms_helpers("hcfa", "zhc", "LK/U", restricted=False),
    *_lms_helpers("acfa", "zac", "LILA/U", restricted=True),
    Column("armc_mm", f"{HELPER}LILA (mm)"),
    Column("sit_wfa", f"{HELPER}BB/U untuk tindak lanjut"),
    Column("sit_wfl", f"{HELPER}BB/PB atau IMT/U untuk tindak lanjut"),
    Column("measured", f"{HELPER}ada ukuran"),
)

FORMULA_COLUMNS = VISIBLE + HELPERS
HIDDEN = frozenset(c.key for c in HELPERS)  # the workbook and the Sheet hide these columns
MEASUREMENTS_TAB = Tab(layout.MEASUREMENTS, layout.MEASUREMENT_DATA, FORMULA_COLUMNS)

# The growth command's category columns, and the enum each category column's words stand for.
CATEGORY_ENUMS = {
    "category_zlen": LengthForAge,
    "category_zwei": WeightForAge,
    "category_zwfl": WeightForLength,
    "category_zbmi": WeightForLength,
    "category_hc": HeadCircumference,
    "category_muac": ArmCircumference,
}
# 'normal' is said differently per index ('gizi baik' for BB/PB); as shared.services.results.category_key names it.
_NORMAL_KEY = {"category_zlen": "cat_normal_lfa", "category_zwei": "cat_normal_wfa", "category_zwfl": "cat_normal_wfl",
               "category_zbmi": "cat_normal_wfl", "category_hc": "cat_normal_hc"}


def category_message_key(column: str, category) -> str:
    """The catalogue key of the words a category column shows for this category."""
    if category.value == "normal" and column in _NORMAL_KEY:
        return _NORMAL_KEY[column]
    return f"cat_{category.value}"


def category_label(column: str, category) -> str:
    """The words (Bahasa Indonesia) a category column shows for this category."""
    return ID[category_message_key(column, category)]


# Words shown -> engine value, per category column (the recalc command reads the Sheet back with these).
CATEGORY_LABELS = {column: {category_label(column, c): c for c in enum} for column, enum in CATEGORY_ENUMS.items()}


def urgency_message_key(tier: advice.Urgency) -> str:
    """The catalogue key of the short words the urgency column shows for a tier."""
    return f"sheet_urgency_{tier.word}"


URGENCY_LABELS = {ID[urgency_message_key(t)]: t for t in advice.Urgency}
REMEASURE_KEY = "sheet_remeasure"

# The advice matrix's findings the Sheet can see, each as a condition on this row (advice.findings_of, read with
# confirmed=False: a flagged category is empty here, so it counts for nothing, as an unconfirmed one).
CANNOT_KNOW = frozenset({
    "danger_sign", "illness", "food_refusal",  # what the family said: only the chat hears it
    "confirmed_extreme",  # a re-measurement that confirmed a flagged value: the chat's, not a row's
    "two_t", "large_loss", "weight_down",  # need earlier weighings; the N/T column carries only this month's letter
})


def _q(text: str) -> str:
    """A text constant inside a formula."""
    return '"' + text.replace('"', '""') + '"'


def _n(x: float) -> str:
    """A number inside a formula, without a needless '.0'."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _is(column: str, category, words_of: str | None = None) -> str:
    """[column] shows this category (in the words of category column `words_of`, by default its own)."""
    return f"[{column}]={_q(category_label(words_of or column, category))}"


def _wfa_is(category: WeightForAge) -> str:
    return _is("sit_wfa", category, "category_zwei")


def _wfl_is(category: WeightForLength) -> str:
    return _is("sit_wfl", category, "category_zwfl")


_RISK = WeightForAge.RISK_OF_OVERWEIGHT
FINDING_CONDITIONS = {
    "oedema": "[oedema_yes]=1",
    "severely_wasted": _wfl_is(WeightForLength.SEVERELY_WASTED),
    "wasted": _wfl_is(WeightForLength.WASTED),
    "obese": _wfl_is(WeightForLength.OBESE),
    "overweight": _wfl_is(WeightForLength.OVERWEIGHT),
    "possible_risk_of_overweight": _wfl_is(WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT),
    "severely_underweight": _wfa_is(WeightForAge.SEVERELY_UNDERWEIGHT),
    "underweight": _wfa_is(WeightForAge.UNDERWEIGHT),
    # BB/U above +1 SD: checked when BB/PB (or IMT/U) is there, to be checked when it is not.
    "risk_of_overweight_unchecked": f'AND({_wfa_is(_RISK)},[sit_wfl]="")',
    "risk_of_overweight": f'AND({_wfa_is(_RISK)},[sit_wfl]<>"")',
    "severely_stunted": _is("category_zlen", LengthForAge.SEVERELY_STUNTED),
    "stunted": _is("category_zlen", LengthForAge.STUNTED),
    "tall": _is("category_zlen", LengthForAge.TALL),
    "muac_severe": _is("category_muac", ArmCircumference.SEVERE),
    "muac_moderate": _is("category_muac", ArmCircumference.MODERATE),
    "head_severely_small": _is("category_hc", HeadCircumference.SEVERELY_SMALL),
    "head_small": _is("category_hc", HeadCircumference.SMALL),
    "head_large": _is("category_hc", HeadCircumference.LARGE),
    # A T alone is GainStatus.NOT_GAINED: findings_of names not_gained unless 2T or a large loss (unknown here).
    "not_gained": f"TRIM([gain])={_q(GainStatus.NOT_GAINED.code or '')}",
}

_REF = re.compile(r"\[([a-z0-9_]+)\]")


def _code(column: str, values: Iterable[str]) -> str:
    """TRIM([column]) compared with each accepted word: the row's code is one of them."""
    return ",".join(f"TRIM([{column}])={_q(v)}" for v in values)


def _restricted(part: str, y: str, z: str, weight_based: bool) -> dict[str, str]:
    """zscore.restricted_z: the SD lines (zscore.sd_value, M * (1 + L*S*k)^(1/L)) and the unrounded z, measured
    beyond +/-3 SD in units of the 2-to-3 SD gap, from the plain LMS z in column z_lms; a weight-based z is not
    computed with oedema."""
    lms = f"[{z}_lms]"
    out = {f"{part}_{name}": f'=IF({lms}="","",[{part}_m]*POWER(1+[{part}_l]*[{part}_s]*{_k(k)},1/[{part}_l]))'
           for name, k in SD_POINTS.items()}
    top = _n(zscore.RESTRICT_AT)
    sd3, sd2, sdm3, sdm2 = (f"[{part}_{name}]" for name in ("sd3", "sd2", "sdm3", "sdm2"))
    blank = f'OR({lms}="",[oedema_yes]=1)' if weight_based else f'{lms}=""'
    out[f"{z}_raw"] = (f'=IF({blank},"",IF({lms}>{top},{top}+([{y}]-{sd3})/({sd3}-{sd2}),'
                       f'IF({lms}<-{top},-{top}+([{y}]-{sdm3})/({sdm2}-{sdm3}),{lms})))')
    return out


def _k(k: int) -> str:
    return str(k) if k >= 0 else f"({k})"


def _lms(part: str, y: str) -> str:
    """zscore.lms_z, ((y/M)^L - 1) / (S*L)."""
    return f"(POWER([{y}]/[{part}_m],[{part}_l])-1)/([{part}_s]*[{part}_l])"


def _classes(z: str, cuts: list[tuple[str, float, str]], last: str) -> str:
    """Nested IFs from classify's cut-offs: [(op, bound, label), ...] tried in order, else `last`."""
    out = _q(last)
    for op, bound, label in reversed(cuts):
        out = f"IF([{z}]{op}{_n(bound)},{_q(label)},{out})"
    return out


def _category(column: str, z: str, flag: str, cuts: list, last, oedema_class=None, row: str | None = None) -> str:
    """A category column: empty without a z, empty when flagged (as the growth command writes it), the severe class
    with oedema when the score could have been computed (the growth command's oedema category)."""
    label = [(op, bound, category_label(column, c)) for op, bound, c in cuts]
    body = f'IF([{flag}]=1,"",{_classes(z, label, category_label(column, last))})'
    if oedema_class is None:
        return f'=IF([{z}]="","",{body})'
    return f'=IF([{row}]="","",IF([oedema_yes]=1,{_q(category_label(column, oedema_class))},{body}))'


def _age_table(indicator: str, y: str, first_day: int = 0) -> dict[str, str]:
    """Row, L, M, S of an age-based table (who2006._age_based): a daily row when the age is inside the standard,
    from the table's first day, and the measurement is a positive number."""
    tab = who_tab(indicator)
    first = max(first_day, tab.first_key)
    position = f"([sex_code]-1)*{tab.rows_per_sex}+[age_days]-{tab.first_key - 1}"
    out = {
        f"{indicator}_row": (f'=IF([in_standard]=1,IF(ISNUMBER([{y}]),IF(AND([{y}]>0,[age_days]>={first},'
                             f'[age_days]<={tab.last_key}),{position},""),""),"")'),
    }
    for p in "lms":
        out[f"{indicator}_{p}"] = f'=IF([{indicator}_row]="","",INDEX({tab.column(p)},[{indicator}_row]))'
    return out


def _score(z: str, flag_test: str) -> dict[str, str]:
    """The z as WHO prints it, rounded to 2 decimals, and its flag on the rounded z. ROUND takes a tie away from
    zero where R's round(z, 2) (zscore.round2) takes it to the even digit: they differ only on a z exactly at .xx5,
    which a z computed from WHO's L, M and S is in practice never (none of WHO's 600 vectors comes within 3e-6)."""
    return {
        z: f'=IF([{z}_raw]="","",ROUND([{z}_raw],2))',
        "f" + z[1:]: f'=IF([{z}]="","",IF({flag_test.format(z=f"[{z}]")},1,0))',
    }


def _urgency() -> str:
    """The advice matrix's tier from the findings the Sheet can see, most urgent tier first (advice.decide)."""
    word = {t: _q(ID[urgency_message_key(t)]) for t in advice.Urgency}
    out = word[advice.Urgency.ROUTINE]
    for tier in sorted(advice.Urgency):
        conditions = [FINDING_CONDITIONS[f.key] for f in advice.FINDINGS
                      if f.tier is tier and f.key in FINDING_CONDITIONS]
        if tier is not advice.Urgency.ROUTINE and conditions:
            out = f"IF(OR({','.join(conditions)}),{word[tier]},{out})"
    return f'=IF(AND([in_standard]=1,[measured]=1),{out},"")'


@cache
def templates() -> dict[str, str]:
    """Every formula column's template, by key, in FORMULA_COLUMNS order; [key] stands for that column's cell."""
    wfl, wfh = who_tab("wfl"), who_tab("wfh")
    lying, standing = (_q(layout.MEASURE_VALUES[m]) for m in (ages.MEASURE_LYING, ages.MEASURE_STANDING))
    months = _n(ages.DAYS_PER_MONTH)
    in_range = "[age_days]<={max_days},[age_months_exact]<{under_five}".format(
        max_days=who2006.MAX_AGE_DAYS, under_five=ages.UNDER_FIVE_MONTHS)
    adjust = _n(ages.LYING_STANDING_CM)
    day731 = ages.HEIGHT_FROM_DAY
    flag_other = f"ABS({{z}})>{_n(zscore.FLAG_OTHER)}"
    t: dict[str, str] = {
        # Age: exact days from the dates, else the age in months x 30.4375 (ages.age_days_from_months).
        "age_exact": (f'=IF(AND(ISNUMBER([birth_date]),ISNUMBER([measured_on])),[measured_on]-[birth_date],'
                      f'IF(ISNUMBER([age_months_given]),[age_months_given]*{months},""))'),
        "age_months_exact": f'=IF([age_exact]="","",[age_exact]/{months})',
        # ages.round_up: a fraction of 0.5 or more rounds up.
        "age_days": '=IF([age_exact]="","",INT([age_exact])+IF([age_exact]-INT([age_exact])>=0.5,1,0))',
        # ages.completed_months from the dates (a birthday on the 31st falls on a shorter month's last day), else
        # ages.completed_months_from_days.
        "age_months": ('=IF([age_exact]="","",IF(AND(ISNUMBER([birth_date]),ISNUMBER([measured_on])),'
                       '(YEAR([measured_on])-YEAR([birth_date]))*12+MONTH([measured_on])-MONTH([birth_date])'
                       '-IF(AND(DAY([measured_on])<DAY([birth_date]),'
                       'DAY([measured_on])<DAY(DATE(YEAR([measured_on]),MONTH([measured_on])+1,0))),1,0),'
                       'INT([age_months_exact])))'),
        # A row the engine would refuse (an unknown code, measured before birth) shows no score, as the growth
        # command writes a bad row.
        "readable": (f'=IF(AND(OR(TRIM([sex])="",{_code("sex", layout.SEX_VALUES.values())}),'
                     f'OR(TRIM([measure])="",{_code("measure", layout.MEASURE_VALUES.values())}),'
                     f'OR(TRIM([oedema])="",{_code("oedema", (layout.YES, layout.NO))}),'
                     f'IF(ISNUMBER([age_exact]),[age_exact]>=0,TRUE)),1,0)'),
        "sex_code": (f'=IF([readable]=1,IF(TRIM([sex])={_q(layout.SEX_VALUES["M"])},1,'
                     f'IF(TRIM([sex])={_q(layout.SEX_VALUES["F"])},2,"")),"")'),
        "oedema_yes": f"=IF(TRIM([oedema])={_q(layout.YES)},1,0)",
        # ages.standing_too_young: standing before 9 months (exact age); the measure is then dropped.
        "c9mo": (f"=IF([readable]=0,0,IF(TRIM([measure])={standing},IF(ISNUMBER([age_exact]),"
                 f"IF([age_months_exact]<{ages.STANDING_MIN_MONTHS},1,0),0),0))"),
        "cmeasure": (f'=IF(OR([readable]=0,[c9mo]=1),"",IF(TRIM([measure])={lying},{lying},'
                     f'IF(TRIM([measure])={standing},{standing},"")))'),
        # ages.adjust_lenhei: +0.7 cm standing before day 731, -0.7 cm lying from it; no change if age or measure
        # is unknown.
        "clenhei": (f'=IF(OR([readable]=0,NOT(ISNUMBER([lenhei_cm]))),"",[lenhei_cm]'
                    f'+IF(AND(ISNUMBER([age_days]),[cmeasure]<>""),IF(AND([age_days]<{day731},[cmeasure]={standing}),'
                    f'{adjust},IF(AND([age_days]>={day731},[cmeasure]={lying}),-{adjust},0)),0))'),
        "cbmi": ('=IF(AND(ISNUMBER([weight_kg]),ISNUMBER([clenhei])),IF([clenhei]>0,'
                 '[weight_kg]/(([clenhei]/100)*([clenhei]/100)),""),"")'),
        # Age-based scores need sex and an age inside the standard (<= 1856 days and < 60 months).
        "in_standard": (f'=IF(AND([sex_code]<>"",ISNUMBER([age_days])),IF(AND({in_range}),1,0),0)'),
    }

    t |= _age_table("lhfa", "clenhei")
    t["zlen_raw"] = f'=IF([lhfa_row]="","",{_lms("lhfa", "clenhei")})'
    t |= _score("zlen", f"ABS({{z}})>{_n(zscore.FLAG_ZLEN)}")

    t |= _age_table("wfa", "weight_kg")
    t["zwei_lms"] = f'=IF([wfa_row]="","",{_lms("wfa", "weight_kg")})'
    t |= _restricted("wfa", "weight_kg", "zwei", weight_based=True)
    t |= _score("zwei", f"OR({{z}}<{_n(zscore.FLAG_ZWEI_LOW)},{{z}}>{_n(zscore.FLAG_ZWEI_HIGH)})")

    # Weight-for-length/height (who2006._weight_for_lenhei): the length table before day 731, the height table
    # from it; age unknown: the measure decides, else 87 cm. Rows 0.1 cm apart, L, M and S interpolated linearly.
    lo_l, hi_l = (_n(x) for x in who2006.WFL_CM)
    lo_h, hi_h = (_n(x) for x in who2006.WFH_CM)
    t |= {
        "wfl_len": (f'=IF(NOT(ISNUMBER([clenhei])),"",IF(ISNUMBER([age_days]),IF([age_days]<{day731},1,0),'
                    f'IF([cmeasure]<>"",IF([cmeasure]={lying},1,0),'
                    f'IF([clenhei]<{_n(who2006.LENGTH_TABLE_BELOW_CM)},1,0))))'),
        "wfl_x10": '=IF(ISNUMBER([clenhei]),TRUNC([clenhei]*10),"")',
        "wfl_diff": '=IF([wfl_x10]="","",([clenhei]-[wfl_x10]/10)/0.1)',
        "wfl_ok": (f'=IF(AND([sex_code]<>"",ISNUMBER([weight_kg]),ISNUMBER([clenhei])),IF(AND('
                   f'IF([wfl_len]=1,AND([clenhei]>={lo_l},[clenhei]<={hi_l}),AND([clenhei]>={lo_h},[clenhei]<={hi_h})),'
                   f'IF(ISNUMBER([age_days]),AND({in_range}),TRUE),'
                   f'[wfl_x10]+IF([wfl_diff]>0,1,0)<=IF([wfl_len]=1,{wfl.last_key},{wfh.last_key})),1,0),0)'),
        "wfl_row": (f'=IF([wfl_ok]=1,IF([wfl_len]=1,([sex_code]-1)*{wfl.rows_per_sex}+[wfl_x10]-{wfl.first_key - 1},'
                    f'([sex_code]-1)*{wfh.rows_per_sex}+[wfl_x10]-{wfh.first_key - 1}),"")'),
        "wfl_row1": '=IF([wfl_row]="","",[wfl_row]+IF([wfl_diff]>0,1,0))',
    }
    for p in "lms":
        for n, row in (("0", "wfl_row"), ("1", "wfl_row1")):
            t[f"wfl_{p}{n}"] = (f'=IF([{row}]="","",IF([wfl_len]=1,INDEX({wfl.column(p)},[{row}]),'
                                f'INDEX({wfh.column(p)},[{row}])))')
    for p in "lms":
        t[f"wfl_{p}"] = f'=IF([wfl_row]="","",[wfl_{p}0]+[wfl_diff]*([wfl_{p}1]-[wfl_{p}0]))'
    t["zwfl_lms"] = f'=IF([wfl_row]="","",IF([weight_kg]>0,{_lms("wfl", "weight_kg")},""))'
    t |= _restricted("wfl", "weight_kg", "zwfl", weight_based=True)
    t |= _score("zwfl", flag_other)

    t |= _age_table("bmi", "cbmi")
    t["zbmi_lms"] = f'=IF([bmi_row]="","",{_lms("bmi", "cbmi")})'
    t |= _restricted("bmi", "cbmi", "zbmi", weight_based=True)
    t |= _score("zbmi", flag_other)

    t |= _age_table("hcfa", "headc_cm")
    t["zhc_raw"] = f'=IF([hcfa_row]="","",{_lms("hcfa", "headc_cm")})'
    t |= _score("zhc", flag_other)

    t |= _age_table("acfa", "armc_cm", who2006.ACFA_FIRST_DAY)
    t["zac_lms"] = f'=IF([acfa_row]="","",{_lms("acfa", "armc_cm")})'
    t |= _restricted("acfa", "armc_cm", "zac", weight_based=False)
    t |= _score("zac", flag_other)

    # Categories from the rounded z (classify.py's cut-offs).
    severe, moderate = classify.SEVERE_BELOW, classify.MODERATE_BELOW
    t["category_zlen"] = _category(
        "category_zlen", "zlen", "flen",
        [("<", severe, LengthForAge.SEVERELY_STUNTED), ("<", moderate, LengthForAge.STUNTED),
         ("<=", classify.LFA_NORMAL_UP_TO, LengthForAge.NORMAL)], LengthForAge.TALL)
    t["category_zwei"] = _category(
        "category_zwei", "zwei", "fwei",
        [("<", severe, WeightForAge.SEVERELY_UNDERWEIGHT), ("<", moderate, WeightForAge.UNDERWEIGHT),
         ("<=", classify.WFA_NORMAL_UP_TO, WeightForAge.NORMAL)], WeightForAge.RISK_OF_OVERWEIGHT,
        WeightForAge.SEVERELY_UNDERWEIGHT, "wfa_row")
    wfl_cuts = [("<", severe, WeightForLength.SEVERELY_WASTED), ("<", moderate, WeightForLength.WASTED),
                ("<=", classify.WFL_NORMAL_UP_TO, WeightForLength.NORMAL),
                ("<=", classify.WFL_RISK_UP_TO, WeightForLength.POSSIBLE_RISK_OF_OVERWEIGHT),
                ("<=", classify.WFL_OVERWEIGHT_UP_TO, WeightForLength.OVERWEIGHT)]
    t["category_zwfl"] = _category("category_zwfl", "zwfl", "fwfl", wfl_cuts, WeightForLength.OBESE,
                                   WeightForLength.SEVERELY_WASTED, "wfl_row")
    t["category_zbmi"] = _category("category_zbmi", "zbmi", "fbmi", wfl_cuts, WeightForLength.OBESE,
                                   WeightForLength.SEVERELY_WASTED, "bmi_row")
    t["category_hc"] = _category(
        "category_hc", "zhc", "fhc",
        [("<", classify.HEAD_SEVERE_BELOW, HeadCircumference.SEVERELY_SMALL),
         ("<", classify.HEAD_SMALL_BELOW, HeadCircumference.SMALL),
         ("<=", classify.HEAD_LARGE_ABOVE, HeadCircumference.NORMAL)], HeadCircumference.LARGE)

    # classify.classify_muac: millimetres as Python's round() gives them (a tie such as 114.5 goes to the even 114),
    # absolute cut-offs from 6 completed months.
    t["armc_mm"] = ('=IF(ISNUMBER([armc_cm]),IF([armc_cm]*10-INT([armc_cm]*10)=0.5,2*ROUND([armc_cm]*10/2,0),'
                    'ROUND([armc_cm]*10,0)),"")')
    muac = _classes("armc_mm", [("<", round(classify.MUAC_SEVERE_BELOW_CM * 10),
                                 category_label("category_muac", ArmCircumference.SEVERE)),
                                ("<", round(classify.MUAC_MODERATE_BELOW_CM * 10),
                                 category_label("category_muac", ArmCircumference.MODERATE))],
                    category_label("category_muac", ArmCircumference.NORMAL))
    t["category_muac"] = (f'=IF(AND([in_standard]=1,ISNUMBER([armc_mm])),'
                          f'IF([age_months]<{classify.MUAC_FROM_MONTHS},"",{muac}),"")')

    # The advice matrix's view (advice.situation_of): no weight-based category with oedema; BB/PB, else IMT/U.
    t["sit_wfa"] = '=IF([oedema_yes]=1,"",[category_zwei])'
    t["sit_wfl"] = '=IF([oedema_yes]=1,"",IF([category_zwfl]<>"",[category_zwfl],[category_zbmi]))'
    t["measured"] = ("=IF(OR(ISNUMBER([weight_kg]),ISNUMBER([lenhei_cm]),ISNUMBER([headc_cm]),ISNUMBER([armc_cm]),"
                     "[oedema_yes]=1),1,0)")
    t["urgency"] = _urgency()
    flags = ",".join(f"[{f}]=1" for f in ("c9mo", "flen", "fwei", "fwfl", "fbmi", "fhc", "fac"))
    t["remeasure"] = f'=IF(OR({flags}),{_q(ID[REMEASURE_KEY])},"")'
    return {c.key: t[c.key] for c in FORMULA_COLUMNS}


def referenced_keys(template: str) -> list[str]:
    """The column keys a template names, in order."""
    return _REF.findall(template)


@cache
def _letters(tab: Tab) -> dict[str, str]:
    return {c.key: tab.letter(c.key) for c in tab.columns}


def fill(template: str, tab: Tab, r: int | str) -> str:
    """A template with each [key] replaced by that column's cell in sheet row r (e.g. [weight_kg] -> H2); r may be
    a placeholder such as "{r}" for whoever fills the row in later.

    Raises:
        KeyError: the template names a column the tab does not have.
    """
    letters = _letters(tab)
    return _REF.sub(lambda m: f"{letters[m.group(1)]}{r}", template)


def measurement_formulas(r: int) -> list[str]:
    """Each formula column's formula for sheet row r of the Pengukuran tab, in FORMULA_COLUMNS order."""
    return [fill(t, MEASUREMENTS_TAB, r) for t in templates().values()]
