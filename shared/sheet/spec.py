"""What a posyandu's spreadsheet is made of, as the setup payload both Sheet adapters take (the Apps Script web
app's `setup` action and the local workbooks): tabs, headers, formula templates, validation, hidden helper columns,
and the WHO tables. Pure: generated from layout, formulas and who_tabs, never typed twice.
"""
from __future__ import annotations

from shared.domain.growth import input_ranges
from shared.sheet import formulas, layout, who_tabs
from shared.sheet.layout import Column, Tab

PREFILL_ROWS = 500  # rows that carry formulas from the start, for the kader who types a row (a sync adds more)

# What a person can plausibly type, the same ranges as the chat: the Sheet refuses a slip of the finger.
_NUMBERS = {"weight_kg": input_ranges.WEIGHT_KG, "lenhei_cm": input_ranges.LENHEI_CM,
            "headc_cm": input_ranges.HEADC_CM, "armc_cm": input_ranges.ARMC_CM, "age_months_given": (0, 59.9)}


def _validation(columns: tuple[Column, ...]) -> list[dict]:
    rules: list[dict] = []
    for i, c in enumerate(columns):
        if c.key == "sex":
            rules.append({"column": i, "values": sorted(layout.SEX_VALUES.values())})
        elif c.key == "measure":
            rules.append({"column": i, "values": sorted(layout.MEASURE_VALUES.values())})
        elif c.key in ("oedema", "parent"):
            rules.append({"column": i, "values": [layout.YES, layout.NO]})
        elif c.key in ("birth_date", "measured_on", "due_on"):
            rules.append({"column": i, "date": True})
        elif c.key in _NUMBERS:
            rules.append({"column": i, "number": list(_NUMBERS[c.key])})
    return rules


ROW = "{r}"  # where a formula template holds its own row number (the bridge and the workbook fill it in)


def measurement_templates() -> list[str]:
    """Pengukuran's formulas for any row, in formula-column order, with ROW standing for the row number."""
    return [formulas.fill(t, formulas.MEASUREMENTS_TAB, ROW) for t in formulas.templates().values()]


def _tab(tab: Tab, templates: list[str] | None = None, hidden: frozenset[str] = frozenset()) -> dict:
    return {"name": tab.name, "headers": tab.headers, "data_width": len(tab.data), "formulas": templates or [],
            "prefill_rows": PREFILL_ROWS if templates else 0, "validation": _validation(tab.data),
            "hidden_columns": sorted(tab.index(k) for k in hidden), "frozen_columns": 3 if tab.name == layout.MEASUREMENTS
            else 2 if tab.name == layout.CHILDREN else 0, "rows": []}


def tabs(with_who: bool = True) -> list[dict]:
    """Every tab of a posyandu's spreadsheet, in the order a kader sees them; the WHO tables last."""
    out = [
        _tab(formulas.MEASUREMENTS_TAB, measurement_templates(), formulas.HIDDEN),
        _tab(Tab(layout.CHILDREN, layout.CHILD_DATA)),
        _tab(Tab(layout.RECAP, layout.RECAP_COLUMNS)),
        _tab(Tab(layout.REMINDERS, layout.REMINDER_DATA)),
        _tab(Tab(layout.STAFF, layout.STAFF_DATA)),
    ]
    if with_who:
        out += [{"name": name, "headers": list(header), "data_width": len(header), "formulas": [],
                 "prefill_rows": 0, "validation": [], "hidden_columns": [], "frozen_columns": 0, "rows": rows}
                for name, header, rows in who_tabs.who_tabs()]
    return out
