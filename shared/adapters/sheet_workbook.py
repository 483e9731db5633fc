"""WorkbookSheets: the SheetSync port over local .xlsx workbooks, one per posyandu, for `make run` and tests.

It behaves as the Apps Script web app does (apps_script/src/Code.js): the same setup spec (tabs, headers, formula
templates, validation, static rows), upsert by the key in the first column, appends after the last row holding any
data (a row a kader typed is never overwritten), formulas carried down to appended rows, the header checked before
anything is written. So a local user opens `<folder>/<spreadsheet id>.xlsx` in LibreOffice and sees the rows
computed by the same formulas as the Google Sheet. Unlike a Google Sheet, a file has one writer at a time: while
LibreOffice has it open (its `.~lock.<name>#` file is there) Tumbuh does not write it, and a save by anyone else
between Tumbuh's read and write makes Tumbuh's write wait (WorkbookBusy, a transient error: the outbox retries).

A workbook is read, changed and replaced whole under a file lock (the scheduler is its only writer; the lock keeps a
test's second process honest), and written to a temporary file first so LibreOffice never opens half a file.
"""
from __future__ import annotations

import fcntl
import os
import re
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import openpyxl
from openpyxl import Workbook
from openpyxl.formula.translate import Translator
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shared.errors import PermanentError, TransientError
from shared.ports import Sink
from shared.sheet.workbook import DATE_FORMAT

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HEADER_ROW = 1
BAD_FILL = PatternFill(fill_type="solid", start_color="FFF4CCCC", end_color="FFF4CCCC")  # light red, as in the Sheet
EXPORT_PIECE_BYTES = 1 << 20  # export_xlsx reads the file in these pieces


class WorkbookRefused(PermanentError):
    """The call cannot succeed as it is (the Apps Script bridge's error names, so callers treat both alike)."""

    def __init__(self, reason: str):
        super().__init__(f"local Sheet refused the call: {reason}")
        self.reason = reason


class WorkbookBusy(TransientError):
    """Someone has the workbook open or saved it meanwhile: nothing was written, the same call may come again."""


class WorkbookSheets:
    """Local .xlsx workbooks in one folder, named by spreadsheet id."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._cache: dict[Path, tuple[tuple[int, int], Workbook]] = {}  # file -> (its stamp when saved, workbook)

    def __repr__(self) -> str:
        return f"WorkbookSheets({str(self.folder)!r})"

    def path(self, spreadsheet_id: str) -> Path:
        """The workbook file of a spreadsheet id (ids are names Tumbuh made: no path separators)."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", spreadsheet_id or ""):
            raise WorkbookRefused("bad_spreadsheet")
        return self.folder / f"{spreadsheet_id}.xlsx"

    # --- SheetSync ---

    def setup(self, spreadsheet_id: str | None, title: str, tabs: list[dict], editors: list[str], *,
              create_key: str | None = None) -> dict:
        # A retried creation cannot lose its reply here: the file name made from the title is the id.
        sid = spreadsheet_id or self._new_id(title)
        with self._workbook(sid, create=True) as wb:
            for spec in tabs:
                _setup_tab(wb, spec)
            if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1:  # openpyxl's default first sheet
                del wb["Sheet"]
        # Sharing has no meaning for a file on this machine: the editors are Google's concern.
        return {"spreadsheet_id": sid, "url": self.path(sid).resolve().as_uri(), "trigger": False}

    def upsert_rows(self, spreadsheet_id: str, tab: str, columns: list[str], rows: list[list]) -> dict:
        if any(not isinstance(r, list) or len(r) != len(columns) or r[0] in ("", None) for r in rows):
            raise WorkbookRefused("bad_rows")
        with self._workbook(spreadsheet_id) as wb:
            ws = _tab(wb, tab, columns)
            width = len(columns)
            last = _last_data_row(ws, width)
            at = {str(ws.cell(r, 1).value): r for r in range(HEADER_ROW + 1, last + 1)
                  if ws.cell(r, 1).value not in (None, "")}
            updated = appended = 0
            for values in rows:
                key = str(values[0])
                if key in at:
                    updated += 1
                    target = at[key]
                else:
                    appended += 1
                    last += 1
                    target = at[key] = last
                    _carry_formulas(ws, target, width)
                for c, value in enumerate(values, start=1):
                    _put(ws.cell(target, c), value)
            return {"updated": updated, "appended": appended}

    def delete_rows(self, spreadsheet_id: str, tab: str, key_column: str, keys: list) -> dict:
        wanted = {str(k) for k in keys}
        with self._workbook(spreadsheet_id) as wb:
            ws = _tab(wb, tab, [key_column])
            deleted = 0
            for r in range(_last_data_row(ws, 1), HEADER_ROW, -1):  # from the bottom, rows above keep their numbers
                if str(ws.cell(r, 1).value) in wanted:
                    ws.delete_rows(r)
                    deleted += 1
            return {"deleted": deleted}

    def write_tab(self, spreadsheet_id: str, tab: str, headers: list[str], rows: list[list]) -> dict:
        with self._workbook(spreadsheet_id) as wb:
            ws = wb[tab] if tab in wb.sheetnames else wb.create_sheet(tab)
            if ws.max_row >= HEADER_ROW and any(ws.cell(HEADER_ROW, c).value not in (None, "")
                                               for c in range(1, len(headers) + 1)):
                _tab(wb, tab, headers)  # an existing header must be Tumbuh's
            cleared = max(ws.max_row - HEADER_ROW, 0)
            if cleared:
                ws.delete_rows(HEADER_ROW + 1, cleared)
            for c, header in enumerate(headers, start=1):
                ws.cell(HEADER_ROW, c, header)
            for r, values in enumerate(rows, start=HEADER_ROW + 1):
                for c, value in enumerate(values, start=1):
                    _put(ws.cell(r, c), value)
            return {"rows": len(rows), "cleared": cleared}

    def changes(self, spreadsheet_id: str, since: int) -> dict:
        """A file has no edit trigger, so no change log: nothing new, and the reconcile (every run locally) finds
        what a person changed."""
        self.path(spreadsheet_id)
        return {"cursor": since, "rows": [], "complete": True}

    def set_notes(self, spreadsheet_id: str, tab: str, columns: list[str], notes: list[dict]) -> dict:
        written, skipped = 0, []
        with self._workbook(spreadsheet_id) as wb:
            ws = _tab(wb, tab, columns)
            last = _last_data_row(ws, len(columns))
            keys = {str(ws.cell(r, 1).value): r for r in range(HEADER_ROW + 1, last + 1)
                    if ws.cell(r, 1).value not in (None, "")}
            for note in notes:
                if note.get("column") not in columns:
                    raise WorkbookRefused("bad_notes")
                if "key" in note:
                    row = keys.get(str(note["key"]))
                else:
                    row = int(note.get("row") or 0)
                    expect = note.get("expect") or []
                    if not HEADER_ROW < row <= last or [_plain(ws.cell(row, c + 1).value) for c in
                                                        range(len(expect))] != [_plain(v) for v in expect]:
                        row = None  # the kader changed or moved the row since it was read
                if row is None:
                    skipped.append(f"row {note.get('row', note.get('key'))} changed")
                    continue
                cell = ws.cell(row, columns.index(note["column"]) + 1)
                if note["column"] == columns[0]:  # taking a kader's row: only an empty key cell gets the id
                    if cell.value not in (None, "") and str(cell.value) != str(note.get("text")):
                        skipped.append(f"row {row} has another id")
                        continue
                    keys[str(note.get("text"))] = row  # later notes of this call find the row by its new id
                _put(cell, note.get("text", ""))
                cell.fill = BAD_FILL if note.get("bad") else PatternFill(fill_type=None)
                written += 1
            return {"written": written, "skipped": skipped}

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        """The data block of a tab: [{"row": sheet row number, "values": [...]}], empty rows left out, dates as
        ISO strings (as the bridge's read_rows answers)."""
        with self._workbook(spreadsheet_id, write=False) as wb:
            ws = _tab(wb, tab, columns)
            out = []
            for r in range(HEADER_ROW + 1, _last_data_row(ws, len(columns)) + 1):
                values = [_plain(ws.cell(r, c).value) for c in range(1, len(columns) + 1)]
                if any(v != "" for v in values):
                    out.append({"row": r, "values": values})
            return out

    # --- SheetExporter ---

    def export_xlsx(self, spreadsheet_id: str, sink: Sink) -> int:
        """The workbook file as it is, streamed in 1 MiB pieces (no lock needed: Tumbuh replaces it whole, so an
        open file is one version); a missing one is refused as the bridge refuses an unknown spreadsheet."""
        try:
            f = open(self.path(spreadsheet_id), "rb")
        except FileNotFoundError:
            raise WorkbookRefused("bad_spreadsheet") from None
        size = 0
        with f:
            while piece := f.read(EXPORT_PIECE_BYTES):
                sink.write(piece)
                size += len(piece)
        return size

    # --- files ---

    def _new_id(self, title: str) -> str:
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "posyandu"
        sid, n = base, 1
        while self.path(sid).exists():
            n += 1
            sid = f"{base}-{n}"
        return sid

    @contextmanager
    def _workbook(self, spreadsheet_id: str, create: bool = False, write: bool = True) -> Iterator:
        path = self.path(spreadsheet_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # The file as this adapter last saved it is reused (loading the WHO tables and formulas again costs a
            # second or two); a file anyone else saved since (a kader in LibreOffice) is read afresh.
            cached = self._cache.pop(path, None)
            if write and _open_in_libreoffice(path):
                # Writing now would be lost when the person saves (or would undo their unsaved typing): the rows
                # wait in the outbox until the workbook is closed, as they wait while Apps Script is down.
                raise WorkbookBusy("the workbook is open in LibreOffice; Tumbuh writes once it is closed")
            if path.exists():
                read_at = _stamp(path)
                wb = cached[1] if cached and cached[0] == read_at else _load(path)
            elif create:
                read_at, wb = None, openpyxl.Workbook()
            else:
                raise WorkbookRefused("bad_spreadsheet")
            yield wb  # an error here leaves the file as it was, and the half-changed workbook uncached
            if write:
                fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".xlsx.tmp")
                os.close(fd)
                try:
                    wb.save(tmp)
                    if (_stamp(path) if path.exists() else None) != read_at:  # saved by someone else meanwhile
                        raise WorkbookBusy("the workbook was saved by someone else while Tumbuh wrote it")
                    os.replace(tmp, path)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
            self._cache[path] = (_stamp(path), wb)


def _load(path: Path) -> Workbook:
    """The workbook on disk; one caught half-saved (a person's program writing it) is busy, not broken."""
    try:
        return openpyxl.load_workbook(path)
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise WorkbookBusy(f"the workbook could not be read now ({type(exc).__name__}); it may be being saved") \
            from None


def _open_in_libreoffice(path: Path) -> bool:
    """LibreOffice keeps `.~lock.<name>#` beside a document while it is open."""
    return (path.parent / f".~lock.{path.name}#").exists()


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _setup_tab(wb, spec: dict) -> None:
    name, headers = spec["name"], list(spec["headers"])
    if name in wb.sheetnames:
        ws = wb[name]
        present = [ws.cell(HEADER_ROW, c).value for c in range(1, len(headers) + 1)]
        if any(v not in (None, "") for v in present) and present != headers:
            raise WorkbookRefused("bad_layout")
    else:
        ws = wb.create_sheet(name)
    for c, header in enumerate(headers, start=1):
        ws.cell(HEADER_ROW, c, header)
    data_width = int(spec.get("data_width", len(headers)))
    templates = spec.get("formulas") or []
    for r in range(HEADER_ROW + 1, HEADER_ROW + 1 + int(spec.get("prefill_rows", 0))):
        for i, template in enumerate(templates):
            cell = ws.cell(r, data_width + 1 + i)
            if cell.value in (None, ""):
                cell.value = template.replace("{r}", str(r))
    static = spec.get("rows") or []
    if static and ws.max_row <= HEADER_ROW:
        for values in static:
            ws.append(values)
    ws.data_validations.dataValidation = []  # re-made from the spec, so a second setup never doubles them
    for rule in spec.get("validation") or []:
        ws.add_data_validation(_validation(rule, get_column_letter(int(rule["column"]) + 1)))
    for i in spec.get("hidden_columns") or []:
        ws.column_dimensions[get_column_letter(int(i) + 1)].hidden = True
    frozen = int(spec.get("frozen_columns", 0))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, frozen + 1)


def _validation(rule: dict, letter: str) -> DataValidation:
    if "values" in rule:
        dv = DataValidation(type="list", formula1='"' + ",".join(rule["values"]) + '"', allow_blank=True)
    elif "number" in rule:
        low, high = rule["number"]
        dv = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high),
                            allow_blank=True)
    else:
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    dv.add(f"{letter}{HEADER_ROW + 1}:{letter}1048576")
    return dv


def _tab(wb, name: str, columns: list[str]):
    if name not in wb.sheetnames:
        raise WorkbookRefused("bad_unknown_tab")
    ws = wb[name]
    header = [ws.cell(HEADER_ROW, c).value for c in range(1, len(columns) + 1)]
    if [str(h) if h is not None else "" for h in header] != [str(c) for c in columns]:
        raise WorkbookRefused("bad_layout")  # the columns moved: writing by position would scramble them
    return ws


def _last_data_row(ws, width: int) -> int:
    """The last row with anything in its data columns (formulas further down do not count)."""
    for r in range(ws.max_row, HEADER_ROW, -1):
        if any(ws.cell(r, c).value not in (None, "") for c in range(1, width + 1)):
            return r
    return HEADER_ROW


def _carry_formulas(ws, row: int, width: int) -> None:
    """Give an appended row the formulas of the first data row, references shifted (as copying it down would)."""
    first = HEADER_ROW + 1
    if row == first:
        return
    for c in range(width + 1, ws.max_column + 1):
        source = ws.cell(first, c).value
        if isinstance(source, str) and source.startswith("=") and ws.cell(row, c).value in (None, ""):
            origin = f"{get_column_letter(c)}{first}"
            ws.cell(row, c).value = Translator(source, origin=origin).translate_formula(f"{get_column_letter(c)}{row}")


def _put(cell, value) -> None:
    if isinstance(value, str) and ISO_DATE.match(value):
        cell.value = date.fromisoformat(value)
        cell.number_format = DATE_FORMAT
    else:
        cell.value = None if value == "" else value


def _plain(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value
