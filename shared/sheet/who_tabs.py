"""The WHO table tabs of a posyandu's Sheet: one tab per LMS table, rows [key, L, M, S], which the Pengukuran
formulas look up. Built from shared.domain.growth.tables (the installed packages' data): no table is copied here.

Pure: no I/O. The key is numeric and dense: sex * 100000 + whole days of age, or + length/height in tenths of a cm,
so that a formula finds a row by its offset (INDEX at a computed position, the fastest lookup in both Google Sheets
and LibreOffice) and a person can still read which row is which.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.domain.growth import tables

INDICATORS = ("lhfa", "wfa", "wfl", "wfh", "bmi", "acfa", "hcfa")  # every table the Pengukuran formulas read
HEADER = ("Kunci", "L", "M", "S")
SEX_KEY = 100_000  # above every row key (days <= 1826, tenths of a cm <= 1200), so sex and key never mix
FIRST_DATA_ROW = 2  # row 1 is the header
_COLUMNS = {"key": "A", "l": "B", "m": "C", "s": "D"}


@dataclass(frozen=True)
class WhoTab:
    """Where one WHO table lives in the Sheet: boys' rows, then girls' rows, each `rows_per_sex` long."""

    indicator: str
    first_key: int  # the key of each sex's first row: a day, or a length in tenths of a cm
    rows_per_sex: int

    @property
    def name(self) -> str:
        """The tab's name, e.g. "WHO lhfa"."""
        return f"WHO {self.indicator}"

    @property
    def last_key(self) -> int:
        """The key of each sex's last row."""
        return self.first_key + self.rows_per_sex - 1

    def column(self, part: str) -> str:
        """An absolute reference to one column of the table ('key', 'l', 'm' or 's'), e.g. 'WHO lhfa'!$B$2:$B$3655,
        for INDEX(range, position)."""
        letter = _COLUMNS[part]
        last = FIRST_DATA_ROW + 2 * self.rows_per_sex - 1
        return f"'{self.name}'!${letter}${FIRST_DATA_ROW}:${letter}${last}"

    def position(self, sex: int, key: int) -> int:
        """1-based position in a column range of the row for this sex (1 boy, 2 girl) and key (what the formulas
        compute as (sex - 1) * rows_per_sex + key - first_key + 1)."""
        return (sex - 1) * self.rows_per_sex + key - self.first_key + 1


def who_tab(indicator: str) -> WhoTab:
    """The tab of one table (see INDICATORS).

    Raises:
        tables.UnsupportedIndicator: the table has no clean source in this installation.
    """
    t = tables.table(indicator)
    return WhoTab(indicator, t.first_key, len(t.m[0]))


def tab_rows(indicator: str) -> list[list[float]]:
    """The rows of one table's tab below its HEADER: [key, L, M, S], sorted by key (boys first)."""
    t = tables.table(indicator)
    return [[sex * SEX_KEY + t.first_key + n, l_, m_, s_]
            for sex in (tables.MALE, tables.FEMALE)
            for n, (l_, m_, s_) in enumerate(zip(t.l[sex - 1], t.m[sex - 1], t.s[sex - 1]))]


def who_tabs() -> list[tuple[str, tuple[str, ...], list[list[float]]]]:
    """Every WHO tab as (name, header, rows), in INDICATORS order."""
    return [(who_tab(i).name, HEADER, tab_rows(i)) for i in INDICATORS]
