"""An openpyxl workbook laid out as a posyandu's Sheet: the Pengukuran tab (data columns, then the formula columns)
and the WHO table tabs its formulas read. Builds workbooks in memory; saving them is the caller's (an adapter's or
the recalc command's) business.

Data values are typed as a spreadsheet expects them: dates as dates, numbers as numbers, blanks as empty cells, so
that ISNUMBER and date arithmetic in the formulas see what a kader's typing would give.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from shared.sheet import formulas, who_tabs
from shared.sheet.layout import Tab

DATE_COLUMNS = frozenset({"birth_date", "measured_on"})
NUMBER_COLUMNS = frozenset({"age_months_given", "weight_kg", "lenhei_cm", "headc_cm", "armc_cm"})
DATE_FORMAT = "yyyy-mm-dd"
FIRST_DATA_ROW = 2  # row 1 holds the headers


CellValue = str | int | float | date | datetime | None


def cell_value(key: str, value: object) -> CellValue:
    """A data value as the cell should hold it: None for a blank, a date for a date column (ISO text is read),
    a number for a number column (decimal comma read too); text that is not a date or number stays text, as a
    kader's typo would."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if key in DATE_COLUMNS and isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value
    if key in NUMBER_COLUMNS and isinstance(value, str):
        text = value.strip().replace(",", ".") if "." not in value else value.strip()
        try:
            return float(text)
        except ValueError:
            return value
    if isinstance(value, (str, int, float, date)):  # a datetime is a date
        return value
    return str(value)


def write_headers(ws: Worksheet, tab: Tab, hidden: Iterable[str] = ()) -> None:
    """Row 1: the tab's headers, bold; the columns named in `hidden` (keys) are hidden."""
    hidden = set(hidden)
    for n, column in enumerate(tab.columns, start=1):
        ws.cell(row=1, column=n, value=column.header).font = Font(bold=True)
        if column.key in hidden:
            ws.column_dimensions[tab.letter(column.key)].hidden = True
    ws.freeze_panes = "A2"


def write_measurement_row(ws: Worksheet, r: int, data: Mapping[str, object]) -> None:
    """Sheet row r of the Pengukuran tab: its data values (by key; missing keys are blank) and its formulas."""
    tab = formulas.MEASUREMENTS_TAB
    for n, column in enumerate(tab.data, start=1):
        cell = ws.cell(row=r, column=n, value=cell_value(column.key, data.get(column.key)))
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = DATE_FORMAT
    first = len(tab.data) + 1
    for n, formula in enumerate(formulas.measurement_formulas(r), start=first):
        ws.cell(row=r, column=n, value=formula)


def write_measurement_rows(ws: Worksheet, rows: Iterable[Mapping[str, object]], first_row: int = FIRST_DATA_ROW) -> int:
    """Write data rows and their formulas from first_row down; returns the number of rows written."""
    count = 0
    for count, data in enumerate(rows, start=1):
        write_measurement_row(ws, first_row + count - 1, data)
    return count


def add_who_tabs(wb: Workbook) -> None:
    """Append the WHO table tabs (header and rows) the Pengukuran formulas read."""
    for name, header, rows in who_tabs.who_tabs():
        ws = wb.create_sheet(name)
        ws.append(list(header))
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"


def measurement_workbook(rows: Iterable[Mapping[str, object]] = ()) -> Workbook:
    """A new workbook: the Pengukuran tab first (headers, helper columns hidden, the rows and their formulas), then
    the WHO tabs."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = formulas.MEASUREMENTS_TAB.name
    write_headers(ws, formulas.MEASUREMENTS_TAB, formulas.HIDDEN)
    write_measurement_rows(ws, rows)
    add_who_tabs(wb)
    return wb
