"""The Sheet mirror: outbox rows (sheet_upsert, sheet_delete, sheet_note) flushed to each posyandu's spreadsheet in
batches, and the tabs Tumbuh owns (Rekap, Petugas) rewritten.

The webhook never calls the Sheet: a turn queues {child_id[, measurement_id]} in its transaction, and the scheduler
runs `flush`. Rows are grouped by spreadsheet and written with one call per tab (the bridge splits bigger batches),
so a posyandu day of 30 children costs two calls and 1,000 measurements at most three. Upserts are keyed by
Tumbuh's row ids, so a batch retried after a time-out updates the rows it wrote and never duplicates one.

What fails stays in the outbox: a transient failure (Apps Script busy or down) comes back with the outbox's
back-off; a refusal that needs a person (the Sheet's columns were moved, the spreadsheet was deleted) is retried
hourly and logged with its reason until someone mends the Sheet, rather than dropping the rows.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from shared.domain import recap
from shared.domain.reminders import add_months
from shared.errors import PermanentError, TransientError
from shared.events import Event, emit
from shared.ports import Records, SheetSync
from shared.sheet import layout, rows

log = logging.getLogger(__name__)

FLUSH_ROWS = 3000  # outbox rows a tick takes of each kind: three 1,000-measurement batches
REFUSED_RETRY_S = 3600  # a refused batch waits for a person to mend the Sheet; it is tried again hourly
RECAP_MONTHS = 12  # Rekap shows this many months, the newest first
REMINDER_DAYS = 31  # Pengingat shows the reminders due within this many days


@dataclass
class _Batch:
    """What one spreadsheet receives in this flush, and the outbox rows that asked for it."""

    children: dict[int, list] = field(default_factory=dict)
    measurements: dict[int, list] = field(default_factory=dict)
    outbox_ids: list[int] = field(default_factory=list)


def flush(records: Records, sheets: SheetSync, today: date, limit: int = FLUSH_ROWS) -> dict:
    """Write due Sheet rows and deletions, then the Rekap of each spreadsheet that changed (as of `today`);
    returns counts {"rows", "deleted", "skipped", "failed", "calls", "recaps"}."""
    counts = {"rows": 0, "deleted": 0, "notes": 0, "skipped": 0, "failed": 0, "calls": 0, "recaps": 0}
    # Notes first: a row a kader typed gets its new id before the measurement's own row is written, which then
    # finds that row by the id instead of appending a second one.
    _notes(records, sheets, records.claim_outbox("sheet_note", None, limit), counts)
    changed = _upserts(records, sheets, records.claim_outbox("sheet_upsert", None, limit), counts)
    changed |= _deletes(records, sheets, records.claim_outbox("sheet_delete", None, limit), counts)
    for sheet in sorted(changed):
        write_recap(records, sheets, sheet, today)
        counts["recaps"] += 1
    return counts


def write_staff(records: Records, sheets: SheetSync, spreadsheet_id: str) -> None:
    """Rewrite Petugas: the active kader and bidan of the spreadsheet's posyandu (names and roles, never numbers).
    At setup, and with each reconcile (staff change seldom; a flush stays at three calls)."""
    with records.transaction() as tx:
        staff = [s for p in tx.sheet_posyandu(spreadsheet_id) for s in tx.staff_of_posyandu(p)]
    _write_owned(sheets, spreadsheet_id, layout.STAFF, layout.STAFF_DATA, [rows.staff_row(s) for s in staff])


def write_reminders(records: Records, sheets: SheetSync, spreadsheet_id: str, today: date) -> None:
    """Rewrite Pengingat: the reminders still to send to the posyandu's families in the next REMINDER_DAYS days, so
    kader see who will be called. With each reconcile (a flush stays at three calls)."""
    upcoming = records.upcoming_reminders(spreadsheet_id, today, today + timedelta(days=REMINDER_DAYS))
    _write_owned(sheets, spreadsheet_id, layout.REMINDERS, layout.REMINDER_DATA,
                 [rows.reminder_row(*r) for r in upcoming])


def write_recap(records: Records, sheets: SheetSync, spreadsheet_id: str, today: date) -> None:
    """Rewrite a spreadsheet's Rekap: the last RECAP_MONTHS months up to today's, newest first. After a flush that
    changed the spreadsheet and with each reconcile (so a new month appears without a new measurement); a failure
    is logged and left for the next time (the counts are recomputed whole every time)."""
    months = [add_months(today.replace(day=1), -k) for k in range(RECAP_MONTHS)]
    children, measured = records.recap_inputs(spreadsheet_id, months[-1])
    _write_owned(sheets, spreadsheet_id, layout.RECAP, layout.RECAP_COLUMNS,
                 rows.recap_rows([recap.recap(m, children, measured) for m in months]))


def _write_owned(sheets: SheetSync, spreadsheet_id: str, tab: str, columns: tuple[layout.Column, ...],
                 values: list[list]) -> None:
    """Replace a tab Tumbuh owns; a failure is logged (the tab is written whole again next time)."""
    try:
        sheets.write_tab(spreadsheet_id, tab, [c.header for c in columns], values)
    except (TransientError, PermanentError) as exc:
        log.warning("tab not written", extra={"ctx": {"tab": tab, "error": type(exc).__name__}})


def _upserts(records: Records, sheets: SheetSync, claimed: list[tuple[int, dict]], counts: dict) -> set[str]:
    if not claimed:
        return set()
    child_ids = [int(p["child_id"]) for _, p in claimed if "child_id" in p]
    measurement_ids = [int(p["measurement_id"]) for _, p in claimed if "measurement_id" in p]
    items = records.sheet_items(child_ids, measurement_ids)
    sheet_of = {c.child.id: c.spreadsheet_id for c in items.children}
    batches: dict[str, _Batch] = {}
    for c in items.children:
        if c.spreadsheet_id:
            batches.setdefault(c.spreadsheet_id, _Batch()).children[c.child.id] = rows.child_row(
                c.child, c.parent_linked, c.registered_by, c.from_sheet)
    for m in items.measurements:
        if m.spreadsheet_id and m.measurement.id is not None:
            batches[m.spreadsheet_id].measurements[m.measurement.id] = rows.measurement_row(
                m.measurement, m.child, m.entered_by, m.from_sheet)
    nowhere: list[int] = []  # the child is gone (HAPUS) or its posyandu has no Sheet: nothing to write
    for row_id, payload in claimed:
        sheet = sheet_of.get(int(payload.get("child_id", 0)))
        (batches[sheet].outbox_ids if sheet else nowhere).append(row_id)
    records.finish_outbox_rows(nowhere, ok=True)
    counts["skipped"] += len(nowhere)
    changed = set()
    for sheet, batch in batches.items():
        writes = [(layout.CHILDREN, layout.CHILD_DATA, list(batch.children.values())),
                  (layout.MEASUREMENTS, layout.MEASUREMENT_DATA, list(batch.measurements.values()))]
        if _run(records, batch.outbox_ids, counts, "sheet upsert", lambda: [
                sheets.upsert_rows(sheet, tab, [c.header for c in columns], values)
                for tab, columns, values in writes if values]) is not None:
            counts["rows"] += len(batch.children) + len(batch.measurements)
            changed.add(sheet)
    return changed


def _deletes(records: Records, sheets: SheetSync, claimed: list[tuple[int, dict]], counts: dict) -> set[str]:
    changed: set[str] = set()
    if not claimed:
        return changed
    sheet_of = {pid: sid for pid, _, sid in records.posyandu_sheets()}
    for row_id, payload in claimed:
        sheet = sheet_of.get(int(payload.get("posyandu_id") or 0))
        if not sheet:
            records.finish_outbox_rows([row_id], ok=True)
            counts["skipped"] += 1
            continue
        deletes = [(layout.MEASUREMENTS, layout.MEASUREMENT_DATA[0].header, payload.get("measurement_ids") or []),
                   (layout.CHILDREN, layout.CHILD_DATA[0].header, payload.get("child_ids") or [])]
        done = _run(records, [row_id], counts, "sheet delete", lambda: [
            sheets.delete_rows(sheet, tab, key, keys) for tab, key, keys in deletes if keys])
        counts["deleted"] += sum(r.get("deleted", 0) for r in done or ())
        if done is not None:
            changed.add(sheet)
    return changed


def _notes(records: Records, sheets: SheetSync, claimed: list[tuple[int, dict]], counts: dict) -> None:
    """Marks on rows a kader typed (why Tumbuh could not take them) and the ids of rows it took, one call per tab."""
    groups: dict[tuple[str, str], tuple[list[int], list[dict]]] = {}
    for row_id, p in claimed:
        tab = str(p.get("tab"))
        data = layout.EDITABLE.get(tab)
        if not p.get("spreadsheet_id") or data is None:
            records.finish_outbox_rows([row_id], ok=True)
            counts["skipped"] += 1
            continue
        ids, notes = groups.setdefault((str(p["spreadsheet_id"]), tab), ([], []))
        ids.append(row_id)
        at = {"key": p["key"]} if "key" in p else {"row": p["row"], "expect": p.get("expect") or []}
        note_column = next(c.header for c in data if c.key == "note")
        if "set_key" in p:  # a row Tumbuh took: its id goes into the key cell, then the row is found by it
            notes.append({**at, "column": data[0].header, "text": p["set_key"], "bad": False})
            at = {"key": p["set_key"]}
        notes.append({**at, "column": note_column, "text": p.get("text", ""), "bad": bool(p.get("bad"))})
    for (sheet, tab), (ids, notes) in groups.items():
        headers = [c.header for c in layout.EDITABLE[tab]]
        done = _run(records, ids, counts, "sheet notes", lambda: [sheets.set_notes(sheet, tab, headers, notes)])
        counts["notes"] += sum(r.get("written", 0) for r in done or ())


def _run(records: Records, outbox_ids: list[int], counts: dict, what: str, calls) -> list[dict] | None:
    """Make the calls for these outbox rows and settle the rows: done (returns the calls' results), due again with
    back-off, or tried hourly (both return None)."""
    call = what.replace(" ", "_")  # a code in the event (free text is withheld), the words in the message
    try:
        results = calls()
    except TransientError as exc:
        records.finish_outbox_rows(outbox_ids, ok=False, error=type(exc).__name__)
        emit(log, Event.SHEET_FAILED, words=f"{what} failed, will retry", call=call, reason=type(exc).__name__,
             rows=len(outbox_ids), transient=True)
    except PermanentError as exc:
        reason = getattr(exc, "reason", type(exc).__name__)
        records.finish_outbox_rows(outbox_ids, ok=False, error=f"refused: {reason}", retry_in_s=REFUSED_RETRY_S)
        emit(log, Event.SHEET_FAILED, logging.ERROR, words=f"{what} refused: the Sheet needs mending", call=call,
             reason=reason, rows=len(outbox_ids), transient=False)
    else:
        records.finish_outbox_rows(outbox_ids, ok=True)
        counts["calls"] += len(results)
        return results
    counts["failed"] += len(outbox_ids)
    return None
