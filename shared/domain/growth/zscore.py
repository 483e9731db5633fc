"""LMS z-score maths and R's round(z, 2), exactly as WHO's anthro package computes them; pure floats, no I/O.

References are to anthro's R/ sources (WorldHealthOrganization/anthro): z-score-helper.R compute_zscore,
compute_zscore_adjusted, flag_zscore.
"""
import math

# Restricted application of the LMS method (WHO 2006 Methods and development, ch. 7; anthro
# compute_zscore_adjusted): beyond +/-3 SD the distance is measured in units of the 2-to-3 SD gap.
RESTRICT_AT = 3.0

# Plausibility flags, computed on the rounded z (anthro flag_zscore; who/README.md step 9).
FLAG_ZLEN = 6.0  # WHO anthro flag: |zlen| > 6
FLAG_ZWEI_LOW, FLAG_ZWEI_HIGH = -6.0, 5.0  # WHO anthro flag: zwei < -6 or zwei > 5
FLAG_OTHER = 5.0  # WHO anthro flag: |z| > 5 for zwfl, zbmi, zhc, zac (and skinfolds)


def lms_z(y: float, l: float, m: float, s: float) -> float:
    """Plain LMS z-score ((y/M)^L - 1) / (S*L), as anthro compute_zscore."""
    return ((y / m) ** l - 1) / (s * l)


def sd_value(k: float, l: float, m: float, s: float) -> float:
    """The measurement at k SD: M * (1 + L*S*k)^(1/L) (anthro calc_sd)."""
    return m * ((1 + l * s * k) ** (1 / l))


def restricted_z(y: float, l: float, m: float, s: float) -> float:
    """LMS z-score with WHO's restricted tails beyond +/-3 SD (anthro compute_zscore_adjusted).

    Follows R where Python would raise: y == 0 gives (0/M)^L = inf for L < 0 (R's 0^negative), and
    y < 0 gives NaN (R's negative^fraction); anthro applies no range check to weight-for-length.
    """
    ratio = y / m
    if ratio > 0:
        z = (ratio**l - 1) / (s * l)
    elif ratio == 0:
        power = math.inf if l < 0 else (0.0 if l > 0 else 1.0)
        z = (power - 1) / (s * l)
    else:
        return math.nan
    if z > RESTRICT_AT:
        sd3 = sd_value(3, l, m, s)
        return 3 + (y - sd3) / (sd3 - sd_value(2, l, m, s))
    if z < -RESTRICT_AT:
        sd3 = sd_value(-3, l, m, s)
        return -3 + (y - sd3) / (sd_value(-2, l, m, s) - sd3)
    return z


def round2(x: float) -> float:
    """R (>= 4.0.0) round(x, 2): the nearer of the two 2-decimal candidates, ties to the even one.

    R compares the distances to floor(100x)/100 and ceil(100x)/100 in double precision (src/nmath/fround.c)
    instead of rounding the exact binary value as Python's round() does, so the two disagree on some
    values that print as ...5; WHO's vectors follow R.
    """
    if x != x or x == 0 or x in (math.inf, -math.inf):
        return x
    if x < 0:
        return -round2(-x)
    x10 = 100.0 * x
    i10 = math.floor(x10)
    down = i10 / 100.0
    up = math.ceil(x10) / 100.0
    du = up - x
    dd = x - down
    return up if (du < dd or (du == dd and i10 % 2 == 1)) else down
