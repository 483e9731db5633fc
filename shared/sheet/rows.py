"""Tumbuh's records as the data cells of a posyandu's Sheet (layout's data columns, in order). Pure.

Values are JSON-able, as the Apps Script bridge carries them: dates as ISO strings (Sheets and LibreOffice both read
yyyy-mm-dd as a date), numbers as numbers, nothing as "". The formula columns to their right are the Sheet's own.
"""
from __future__ import annotations

from decimal import Decimal

from shared.domain.model import Child, Measurement, Staff
from shared.domain.recap import RecapRow
from shared.flows.messages import render
from shared.sheet.layout import (CHILD_DATA, MEASUREMENT_DATA, MEASURE_VALUES, NO, RECAP_COLUMNS, RECAP_RATIOS,
                                 REMINDER_DATA, SEX_VALUES, STAFF_DATA, YES, Column, column_letter)

SHEET_LANGUAGE = "id"  # the register's language: headers and words in the Sheet are Bahasa Indonesia


def _cell(value) -> object:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Decimal):  # PostgreSQL numeric: JSON and the Sheet want a plain number
        return float(value)
    return value


def _ordered(columns: tuple[Column, ...], values: dict) -> list:
    return [_cell(values.get(c.key)) for c in columns]


def child_row(child: Child, parent_linked: bool, registered_by: str | None, from_sheet: bool = False) -> list:
    """The child's row in Anak."""
    return _ordered(CHILD_DATA, {
        "row_id": child.id, "name": child.name, "sex": SEX_VALUES.get(child.sex, ""),
        "birth_date": child.birth_date, "parent": YES if parent_linked else NO,
        "registered_by": _by(registered_by, from_sheet),
    })


def _by(staff_name: str | None, from_sheet: bool) -> str:
    """Who entered a row: the kader by name (in the chat), a kader in the Sheet, or the family on WhatsApp."""
    return staff_name or render("sheet_by_sheet" if from_sheet else "sheet_by_family", SHEET_LANGUAGE)


def measurement_row(m: Measurement, child: Child, entered_by: str | None, from_sheet: bool = False) -> list:
    """The measurement's row in Pengukuran: the child's identity repeated (a kader reads the row on its own, and a
    typed row needs it for its formulas), the values as measured, and Tumbuh's weight-gain letter."""
    gain = ((m.assessment or {}).get("gain") or {}).get("code")
    return _ordered(MEASUREMENT_DATA, {
        "row_id": m.id, "child_id": child.id, "child_name": child.name, "sex": SEX_VALUES.get(child.sex, ""),
        "birth_date": child.birth_date, "measured_on": m.measured_on,
        "age_months_given": m.age_months_given if child.birth_date is None else None,
        "weight_kg": m.weight_kg, "lenhei_cm": m.lenhei_cm, "measure": MEASURE_VALUES.get(m.measure or "", ""),
        "headc_cm": m.headc_cm, "armc_cm": m.armc_cm, "oedema": YES if m.oedema else NO,
        "gain": gain,  # N, T, O (not weighed last month) or B (new): the SKDN letters
        "entered_by": _by(entered_by, from_sheet),
    })


def reminder_row(reminder_id: int, child: Child, kind: str, due_on) -> list:
    """An upcoming reminder in Pengingat (what the family will be told, and when)."""
    return _ordered(REMINDER_DATA, {"row_id": reminder_id, "child_id": child.id, "child_name": child.name,
                                    "kind": render(f"sheet_reminder_{kind}", SHEET_LANGUAGE), "due_on": due_on})


def staff_row(s: Staff) -> list:
    """A kader's or bidan's row in Petugas (never their number)."""
    return _ordered(STAFF_DATA, {"row_id": s.id, "name": s.name, "role": render(f"sheet_role_{s.role}", SHEET_LANGUAGE)})


def recap_rows(recaps: list[list[RecapRow]], first_row: int = 2) -> list[list]:
    """Rekap's rows for several months (each a list of band rows, the total last), starting at sheet row
    `first_row`: counts as numbers, the percentages as formulas over them (blank when nothing to divide by)."""
    letters = {c.key: column_letter(i + 1) for i, c in enumerate(RECAP_COLUMNS)}
    out: list[list] = []
    for month in recaps:
        for r in month:
            n = first_row + len(out)
            values = {"month": r.month, **{k: getattr(r, k) for k in ("s", "k", "d", "n", "len_measured", "stunted",
                                                                        "wfl_measured", "wasted", "wfa_measured",
                                                                        "underweight")},
                      "band": render("sheet_band", SHEET_LANGUAGE, low=r.band[0], high=r.band[1]) if r.band
                      else render("sheet_band_all", SHEET_LANGUAGE)}
            for key, (top, bottom) in RECAP_RATIOS.items():
                t, b = f"{letters[top]}{n}", f"{letters[bottom]}{n}"
                values[key] = f'=IF({b}=0,"",ROUND({t}/{b}*100,1))'
            out.append(_ordered(RECAP_COLUMNS, values))
    return out
