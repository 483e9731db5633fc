"""Tabs and columns of a posyandu's spreadsheet: one definition for the Apps Script bridge, the local workbook and
the formulas.

Each tab's first row names its columns. The leftmost block holds data (Tumbuh writes it, a kader may type it), its
first column Tumbuh's row id; the block to its right holds the Sheet's own formulas, never written by a sync. Headers
are Bahasa Indonesia, as the posyandu register is; code uses the English keys.
"""
from __future__ import annotations

from dataclasses import dataclass

# Tab names (the register's words).
CHILDREN = "Anak"
MEASUREMENTS = "Pengukuran"
RECAP = "Rekap"
REMINDERS = "Pengingat"
STAFF = "Petugas"

# Values a kader sees and types in coded columns.
SEX_VALUES = {"M": "L", "F": "P"}  # laki-laki / perempuan
MEASURE_VALUES = {"l": "PB", "h": "TB"}  # panjang badan (lying) / tinggi badan (standing)
YES, NO = "Ya", "Tidak"


@dataclass(frozen=True)
class Column:
    """One column: its English key (code) and its header (what the Sheet shows)."""

    key: str
    header: str


@dataclass(frozen=True)
class Tab:
    """One tab: its data columns (written by Tumbuh, the key first) and, to their right, its formula columns."""

    name: str
    data: tuple[Column, ...]
    formulas: tuple[Column, ...] = ()

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.data + self.formulas

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def data_headers(self) -> list[str]:
        return [c.header for c in self.data]

    def index(self, key: str) -> int:
        """0-based position of a column by key."""
        for i, c in enumerate(self.columns):
            if c.key == key:
                return i
        raise KeyError(key)

    def letter(self, key: str) -> str:
        """The column's letter (A, B, ..., AA) in the Sheet."""
        return column_letter(self.index(key) + 1)


def column_letter(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


MEASUREMENT_DATA = (
    Column("row_id", "ID Ukur"),  # Tumbuh's measurement id; empty on a row a kader typed until Tumbuh takes it
    Column("child_id", "ID Anak"),
    Column("child_name", "Nama Anak"),
    Column("sex", "JK (L/P)"),
    Column("birth_date", "Tgl Lahir"),
    Column("measured_on", "Tgl Ukur"),
    Column("age_months_given", "Umur Disebut (bln)"),  # only when the birth date is not known
    Column("weight_kg", "BB (kg)"),
    Column("lenhei_cm", "PB/TB (cm)"),
    Column("measure", "Cara Ukur (PB/TB)"),
    Column("headc_cm", "LK (cm)"),
    Column("armc_cm", "LILA (cm)"),
    Column("oedema", "Bengkak Kedua Kaki (Ya/Tidak)"),
    Column("gain", "N/T"),  # Tumbuh's weight-gain letter (KBM): N, T, O (not weighed last month), B (new)
    Column("entered_by", "Dicatat Oleh"),
    Column("note", "Catatan Tumbuh"),  # why Tumbuh could not take a kader's edit, in Bahasa Indonesia
)

CHILD_DATA = (
    Column("row_id", "ID Anak"),
    Column("name", "Nama Anak"),
    Column("sex", "JK (L/P)"),
    Column("birth_date", "Tgl Lahir"),
    Column("parent", "Orang Tua di WhatsApp"),  # Ya / Tidak: whether a parent receives results (never the number)
    Column("registered_by", "Didaftarkan Oleh"),
    Column("note", "Catatan Tumbuh"),
)

# The tabs kader edit (their rows flow back into Tumbuh), with their data columns.
EDITABLE = {CHILDREN: CHILD_DATA, MEASUREMENTS: MEASUREMENT_DATA}

STAFF_DATA = (
    Column("row_id", "ID Petugas"),
    Column("name", "Nama"),
    Column("role", "Peran"),
)

REMINDER_DATA = (
    Column("row_id", "ID Pengingat"),
    Column("child_id", "ID Anak"),
    Column("child_name", "Nama Anak"),
    Column("kind", "Jenis"),
    Column("due_on", "Tanggal"),
)

# Rekap: written whole by Tumbuh (one block per month, newest first); the ratios are the Sheet's formulas.
RECAP_COLUMNS = (
    Column("month", "Bulan"),  # the month's first day
    Column("band", "Umur (bln)"),
    Column("s", "S"),
    Column("k", "K"),
    Column("d", "D"),
    Column("n", "N"),
    Column("d_s", "D/S (%)"),
    Column("n_d", "N/D (%)"),
    Column("k_s", "K/S (%)"),
    Column("len_measured", "Diukur PB/TB"),
    Column("stunted", "Pendek + Sangat Pendek"),
    Column("stunting", "Stunting (%)"),
    Column("wfl_measured", "Diukur BB/PB"),
    Column("wasted", "Gizi Kurang + Gizi Buruk"),
    Column("wasting", "Wasting (%)"),
    Column("wfa_measured", "Ditimbang (BB/U)"),
    Column("underweight", "BB Kurang + Sangat Kurang"),
    Column("underweight_pct", "Underweight (%)"),
)
# ratio column -> (numerator, denominator): percentages the Sheet computes from the counts beside them
RECAP_RATIOS = {"d_s": ("d", "s"), "n_d": ("n", "d"), "k_s": ("k", "s"), "stunting": ("stunted", "len_measured"),
                "wasting": ("wasted", "wfl_measured"), "underweight_pct": ("underweight", "wfa_measured")}
