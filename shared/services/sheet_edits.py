"""What kader type or change in their posyandu's Sheet flows back into Tumbuh.

Rows arrive two ways: pushed by the Sheet's edit trigger (the webhook's /sheet-edits route), and found by the
scheduler's reconcile, which reads the Sheet and compares it with PostgreSQL (so an edit whose push failed is not
lost). Both go through `take_rows`, which is idempotent: a row taken twice changes nothing the second time.

- A row is read with the chat's own parsers (shared.sheet.edits): the same values accepted, the same refused.
- A changed row of Tumbuh's (it has an ID Ukur) corrects that measurement, and its child's name, sex or birth date;
  the child's measurements are then assessed again (N/T, flags, categories), audited, and mirrored back.
- A new row (no ID Ukur) finds its child (ID Anak, or name and birth date in the posyandu) or registers it, and
  becomes a measurement entered from the Sheet; Tumbuh then writes the new id into the row.
- A row Tumbuh cannot take is marked: its Catatan Tumbuh cell says why, in Bahasa Indonesia (red when it is wrong,
  plain when a new row only lacks values).
- A row deleted in the Sheet is never deleted silently: the posyandu's kader are asked on WhatsApp (see reconcile).

The webhook never calls the Sheet: notes and ids go through the outbox (kind sheet_note) like every Sheet write.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from shared.domain import growth
from shared.domain.model import Child, Measurement
from shared.errors import PermanentError, TransientError
from shared.events import Event, emit
from shared.flows.messages import render
from shared.ports import Records, SheetReader, SheetSync, UnitOfWork
from shared.services import assessing, sheet_sync
from shared.services.delivery import queue_to_staff
from shared.sheet import edits, layout, rows
from shared.whatsapp.outgoing import Button, Buttons

log = logging.getLogger(__name__)

SOURCE = "sheet"


@dataclass
class Taken:
    """What take_rows did, counted (no values: these counts are logged)."""

    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    refused: int = 0
    incomplete: int = 0
    children: int = 0
    # Each measurement of the row being taken: its urgency tier (or "remeasure"), emitted once the row commits.
    tiers: list[str] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, int]:
        """The counts, as logged and as the push is answered."""
        return {k: v for k, v in vars(self).items() if k != "tiers"}


def take_rows(records: Records, spreadsheet_id: str, tab: str, rows: list[dict], today: date) -> Taken:
    """Take rows of a tab ([{"row": sheet row number, "values": [data cells]}]) into PostgreSQL, one transaction
    per row, queuing the notes and ids the Sheet needs back."""
    taken = Taken()
    for item in rows:
        values = list(item.get("values") or [])
        if not any(v not in (None, "") for v in values):
            continue
        with records.transaction() as tx:
            posyandu = tx.sheet_posyandu(spreadsheet_id)
            if not posyandu:
                log.warning("edits from a spreadsheet no posyandu has", extra={"ctx": {"rows": len(rows)}})
                return taken
            row = _Row(tx, spreadsheet_id, tab, int(item.get("row") or 0), values, posyandu, today, taken)
            if tab == layout.MEASUREMENTS:
                row.take_measurement()
            elif tab == layout.CHILDREN:
                row.take_child()
        for tier in taken.tiers:  # committed
            emit(log, Event.RESULT_ASSESSED, tier=tier, source=SOURCE)
        taken.tiers.clear()
    log.info("sheet rows taken", extra={"ctx": {**taken.counts(), "tab": tab}})
    return taken


@dataclass
class _Row:
    tx: UnitOfWork
    spreadsheet_id: str
    tab: str
    row: int
    values: list
    posyandu: list[int]
    today: date
    taken: Taken

    @property
    def actor(self) -> str:
        return f"sheet:posyandu:{self.posyandu[0]}"

    # --- Pengukuran ---

    def take_measurement(self) -> None:
        read = edits.read_measurement(self.values, self.today)
        if isinstance(read, edits.RowProblems):
            return self.refuse(read)
        if read.row_id is not None:
            found = self.tx.measurement_with_child(read.row_id)
            if found is None or found[1].posyandu_id not in self.posyandu:
                return self.refuse(_problem("row_id", "sheet_unknown_row"))
            return self.correct(read, *found)
        child = self.child_for(read)
        if child is None:
            return None
        same_day = next((m for m in self.tx.measurements_of(child.id, 60)
                         if m.measured_on == read.measured_on and m.id is not None), None)
        if same_day is not None and same_day.id is not None:
            # Typed again before Tumbuh wrote its id into the row: the same measurement (one a child a day).
            self.correct(replace(read, row_id=same_day.id), same_day, child)
            return self.take_row(same_day.id)
        return self.create(read, child)

    @cached_property
    def children(self) -> list[Child]:
        """The children of the spreadsheet's posyandu (read once for the row)."""
        return [c for p in self.posyandu for c in self.tx.children_of_posyandu(p)]

    def find_child(self, name: str, sex: str, birth_date: date | None, other_than: int | None = None) -> Child | None:
        """The posyandu's child of this name (in any case), sex and birth date, other than the one given."""
        wanted = (name.casefold(), sex, birth_date)
        return next((c for c in self.children if c.id != other_than
                     and (c.name.casefold(), c.sex, c.birth_date) == wanted), None)

    def register(self, name: str, sex: str, birth_date: date | None, key: str,
                 columns: tuple[layout.Column, ...]) -> Child | None:
        """A child typed in the Sheet joins the posyandu; refused (None) on a Sheet several posyandu share, where
        the row must name its child by ID (column `key`)."""
        if len(self.posyandu) > 1:
            self.refuse(_problem(key, "sheet_shared_sheet_needs_child", columns))
            return None
        child = self.tx.add_child(None, name, sex, birth_date, posyandu_id=self.posyandu[0])
        self.tx.audit(self.actor, "child.create", "child", child.id, {"source": SOURCE})
        self.taken.children += 1
        return child

    def correct_identity(self, child: Child, fields: dict) -> Child:
        """A child's name, sex or birth date corrected from the Sheet, audited; the child as it now is."""
        self.tx.correct_child(child.id, **fields)
        self.tx.audit(self.actor, "child.correct", "child", child.id, {"fields": sorted(fields)})
        return _corrected(child, fields)

    def restate(self, child: Child) -> None:
        """The child's measurements assessed again (N/T, flags, categories) and mirrored back."""
        self.tx.restate_measurements(assessing.restate(child, self.tx.measurements_of(child.id, 60), self.today))

    def child_for(self, read: edits.MeasurementRow) -> Child | None:
        """The row's child: by ID Anak, else by name and birth date (or age) among the posyandu's children, else a
        new child of the posyandu."""
        if read.child_id is not None:
            child = next((c for c in self.children if c.id == read.child_id), None)
            if child is None:
                self.refuse(_problem("child_id", "sheet_unknown_child"))
            return child
        return self.find_child(read.name, read.sex, read.birth_date) or \
            self.register(read.name, read.sex, read.birth_date, "child_id", layout.MEASUREMENT_DATA)

    def create(self, read: edits.MeasurementRow, child: Child) -> None:
        entry = _entry(read)
        try:
            done = assessing.assess(child, entry, self.tx.measurements_of(child.id, 60), self.today)
        except growth.OutsideGrowthStandard:
            return self.refuse(_problem("birth_date", "sheet_over_five"))
        ref = f"sheet:{self.spreadsheet_id}:{child.id}:{read.measured_on.isoformat()}"
        new_id = self.tx.record_measurement(done.row, source=SOURCE, source_ref=ref, actor=self.actor)
        self.tx.revise_measurements(done.revisions)
        if new_id is None:  # recorded before under this ref (a push and a reconcile of the same row)
            self.taken.unchanged += 1
            return None
        self.take_row(new_id)
        self.taken.created += 1
        self.taken.tiers.append(done.evaluation.tier)
        return None

    def names_another_child(self, read: edits.MeasurementRow, child: Child, child_fields: dict) -> bool:
        """A row of one child rewritten as another child of the posyandu: not a rename, a move Tumbuh does not
        make from the Sheet (it would rename the first child)."""
        if read.child_id is not None and read.child_id != child.id:
            return True
        born = child_fields.get("birth_date", child.birth_date)
        return bool(child_fields) and self.find_child(read.name, read.sex, born, other_than=child.id) is not None

    def take_row(self, entity_id: int) -> None:
        """Write Tumbuh's id into the key cell of the row the kader typed (once the row still holds what was read;
        a key already there is left alone), and clear its note."""
        self.tx.queue("sheet_note", {"spreadsheet_id": self.spreadsheet_id, "tab": self.tab, "row": self.row,
                                     "set_key": entity_id, "expect": self.values[:3], "text": "", "bad": False},
                      dedupe_key=f"take:{self.spreadsheet_id}:{self.tab}:{self.row}:{entity_id}:{self.fingerprint()}")

    def correct(self, read: edits.MeasurementRow, m: Measurement, child: Child) -> None:
        child_fields = _identity_changes(child, read.name, read.sex, read.birth_date)
        wanted = {"measured_on": read.measured_on, "weight_kg": read.weight_kg, "lenhei_cm": read.lenhei_cm,
                  "measure": read.measure, "headc_cm": read.headc_cm, "armc_cm": read.armc_cm, "oedema": read.oedema,
                  "age_months_given": read.age_months_given if (child_fields.get("birth_date") or child.birth_date)
                  is None else None}
        fields = {k: v for k, v in wanted.items() if not _same(getattr(m, k), v)}
        if self.names_another_child(read, child, child_fields):
            return self.refuse(_problem("child_name", "sheet_other_child"))
        if not child_fields and not fields:
            # The same values written another way ("8,9" as text): the row is written back as Tumbuh stores it,
            # so the Sheet's formulas read numbers and dates, and the reconcile finds nothing to take next time.
            self.taken.unchanged += 1
            self.tx.queue("sheet_upsert", {"child_id": child.id, "measurement_id": m.id},
                          dedupe_key=f"rewrite:measurement:{m.id}:{self.fingerprint()}")
            return self.clear_note(m.id)
        if child_fields:
            child = self.correct_identity(child, child_fields)
        if fields:
            self.tx.correct_measurement(m.id or 0, **fields)
            self.tx.audit(self.actor, "measurement.correct", "measurement", m.id, {"fields": sorted(fields)})
        self.restate(child)
        self.taken.corrected += 1
        return self.clear_note(m.id, force=True)

    def clear_note(self, measurement_id: int | None, force: bool = False) -> None:
        """Empty the Catatan Tumbuh cell of a row that was marked before (now taken)."""
        if measurement_id is not None and (force or self.note_shown()):
            self.tx.queue("sheet_note", {"spreadsheet_id": self.spreadsheet_id, "tab": self.tab,
                                         "key": measurement_id, "text": "", "bad": False})

    def fingerprint(self) -> str:
        """The row's data cells as read, hashed (the note column left out: Tumbuh writes it)."""
        data = layout.EDITABLE[self.tab]
        cells = [v for c, v in zip(data, self.values) if c.key != "note"]
        return hashlib.sha256(json.dumps(cells, default=str).encode()).hexdigest()[:20]

    def note_shown(self) -> bool:
        data = layout.EDITABLE[self.tab]
        at = next(i for i, c in enumerate(data) if c.key == "note")
        return at < len(self.values) and self.values[at] not in (None, "")

    # --- Anak ---

    def take_child(self) -> None:
        read = edits.read_child(self.values, self.today)
        if isinstance(read, edits.RowProblems):
            return self.refuse(read)
        if read.row_id is None:
            same = self.find_child(read.name, read.sex, read.birth_date) or \
                self.register(read.name, read.sex, read.birth_date, "row_id", layout.CHILD_DATA)
            if same is not None:
                self.take_row(same.id)
            return None
        child = next((c for c in self.children if c.id == read.row_id), None)
        if child is None:
            return self.refuse(_problem("row_id", "sheet_unknown_child", layout.CHILD_DATA))
        fields = _identity_changes(child, read.name, read.sex, read.birth_date)
        if not fields:
            self.taken.unchanged += 1
            return None
        self.restate(self.correct_identity(child, fields))
        self.taken.corrected += 1
        return None

    # --- marks ---

    def refuse(self, found: edits.RowProblems) -> None:
        """Mark the row: what is wrong (red), or what a new row still lacks (plain)."""
        if found.incomplete:
            self.taken.incomplete += 1
        else:
            self.taken.refused += 1
        # The same row as it was read is marked once: the reconcile reads it again each time until it is mended.
        self.tx.queue("sheet_note", {"spreadsheet_id": self.spreadsheet_id, "tab": self.tab, "row": self.row,
                                     "expect": self.values[:3], "text": edits.note_text(found),
                                     "bad": not found.incomplete},
                      dedupe_key=f"note:{self.spreadsheet_id}:{self.tab}:{self.row}:{self.fingerprint()}")


def _problem(key: str, message: str, columns: tuple[layout.Column, ...] = layout.MEASUREMENT_DATA) -> edits.RowProblems:
    header = next(c.header for c in columns if c.key == key)
    return edits.RowProblems((edits.Problem(header, message),), incomplete=False)


def _identity_changes(child: Child, name: str, sex: str, birth_date: date | None) -> dict:
    """What a Sheet row says differently of the child's name, sex and birth date (a blank birth date changes
    nothing: the family may have given only an age)."""
    return {k: v for k, v in (("name", name), ("sex", sex), ("birth_date", birth_date))
            if v != getattr(child, k) and not (k == "birth_date" and v is None)}


def _corrected(child: Child, fields: dict) -> Child:
    return Child(child.id, fields.get("name", child.name), fields.get("sex", child.sex),
                 fields.get("birth_date", child.birth_date), child.guardian_id, child.posyandu_id)


def _same(stored, given) -> bool:
    if isinstance(stored, float) or isinstance(given, float):
        return stored is not None and given is not None and abs(float(stored) - float(given)) < 1e-6
    return stored == given


def _entry(read: edits.MeasurementRow) -> assessing.Entry:
    return assessing.Entry(read.measured_on, read.weight_kg, read.lenhei_cm, read.measure, read.headc_cm,
                           read.armc_cm, read.oedema, (), read.age_months_given)


# --- the change log -------------------------------------------------------------------------------------------------

def catch_up(records: Records, sheets: SheetSync, today: date) -> dict:
    """Every run: the rows kader edited since each Sheet's cursor (the trigger logs each edit before it pushes it),
    taken as the push takes them, so an edit whose push failed is in PostgreSQL within one run. A log that no longer
    reaches back to the cursor asks for a whole compare at this run's reconcile."""
    counts = {"sheets": 0, "rows": 0, "gaps": 0}
    for sheet, cursor in records.sheet_cursors():
        if records.sheet_pending(sheet):
            continue  # Tumbuh's own writes first (as for the reconcile)
        try:
            log_part = sheets.changes(sheet, cursor)
        except (TransientError, PermanentError) as exc:
            log.warning("sheet change log not read", extra={"ctx": {"error": type(exc).__name__}})
            continue
        by_tab: dict[str, list[dict]] = {}
        for item in log_part.get("rows") or []:
            by_tab.setdefault(str(item.get("tab")), []).append(item)
        for tab, rows_of_tab in by_tab.items():
            if tab in (layout.MEASUREMENTS, layout.CHILDREN):
                take_rows(records, sheet, tab, rows_of_tab, today)
        complete = bool(log_part.get("complete", True))
        new_cursor = int(log_part["cursor"]) if "cursor" in log_part else cursor
        records.set_sheet_cursor(sheet, new_cursor, reconcile_now=not complete)
        counts["sheets"] += 1
        counts["rows"] += sum(len(v) for v in by_tab.values())
        counts["gaps"] += 0 if complete else 1
    return counts


# --- the reconcile --------------------------------------------------------------------------------------------------

RECONCILE_PER_RUN = 20  # spreadsheets compared in one scheduler run (each costs two reads)
# Columns a kader does not edit: Tumbuh writes them, so a difference there is not an edit.
_TUMBUH_OWNED = frozenset({"gain", "entered_by", "note", "parent", "registered_by"})


def reconcile_due(records: Records, sheets: SheetSync, today: date, every_s: float,
                  reader: SheetReader | None = None) -> dict:
    """Compare the Sheets not compared for `every_s` seconds with PostgreSQL, and take what kader changed there.
    A Sheet with writes still waiting in the outbox is left for a later run: until they are written it is behind
    PostgreSQL on purpose, and a row Tumbuh has not written yet must not look like a row a kader deleted."""
    counts: dict = {"sheets": 0, "taken": 0, "asked": 0, "waiting": 0}
    for sheet in records.sheets_to_reconcile(every_s, RECONCILE_PER_RUN):
        if records.sheet_pending(sheet):
            counts["waiting"] += 1
            continue
        try:
            done = reconcile(records, sheets, sheet, today, reader)
        except (TransientError, PermanentError) as exc:
            log.warning("sheet reconcile failed", extra={"ctx": {"error": type(exc).__name__}})
            continue
        sheet_sync.write_staff(records, sheets, sheet)
        sheet_sync.write_recap(records, sheets, sheet, today)
        sheet_sync.write_reminders(records, sheets, sheet, today)
        records.mark_reconciled(sheet)
        counts["sheets"] += 1
        counts["taken"] += done["taken"]
        counts["asked"] += done["asked"]
    return counts


def reconcile(records: Records, sheets: SheetSync, spreadsheet_id: str, today: date,
              reader: SheetReader | None = None) -> dict:
    """One spreadsheet, read with `reader` (the Sheets API) or else through `sheets` (the bridge): rows that differ
    from what Tumbuh wrote, and rows without an id, are taken (take_rows);
    a measurement whose row is gone is asked about (never deleted silently); a child's row that is gone is written
    again (a child leaves the register only through HAPUS or the puskesmas)."""
    child_ids, measurement_ids = records.sheet_keys(spreadsheet_id)
    items = records.sheet_items(child_ids, measurement_ids)
    expected = {
        layout.CHILDREN: {c.child.id: rows.child_row(c.child, c.parent_linked, c.registered_by, c.from_sheet)
                          for c in items.children},
        layout.MEASUREMENTS: {m.measurement.id: rows.measurement_row(m.measurement, m.child, m.entered_by,
                                                                     m.from_sheet)
                              for m in items.measurements if m.measurement.id is not None},
    }
    taken = asked = 0
    for tab, data in layout.EDITABLE.items():
        found = (reader or sheets).read_rows(spreadsheet_id, tab, [c.header for c in data])
        want = expected[tab]
        seen: set[int] = set()
        changed = []
        for r in found:
            key = edits.read_id(r["values"][0] if r["values"] else "")
            if isinstance(key, int) and key in want:
                seen.add(key)
                if not _same_row(r["values"], want[key], data):
                    changed.append(r)
            else:
                changed.append(r)  # a new row, or an id Tumbuh does not know here (marked by take_rows)
        if changed:
            done = take_rows(records, spreadsheet_id, tab, changed, today)
            taken += done.created + done.corrected + done.children
        gone = sorted(set(want) - seen)
        if gone and tab == layout.MEASUREMENTS:
            asked += ask_about_deleted(records, gone)
        elif gone:
            with records.transaction() as tx:
                for child_id in gone:
                    tx.queue("sheet_upsert", {"child_id": child_id}, dedupe_key=f"restore:child:{child_id}:{today}")
    return {"taken": taken, "asked": asked}


def ask_about_deleted(records: Records, measurement_ids: list[int]) -> int:
    """Ask the posyandu's kader, once per row, whether a measurement whose Sheet row was deleted goes from Tumbuh
    too (Hapus) or comes back (Kembalikan); the answer is handled in the kader's chat (sheetdel:...)."""
    asked = 0
    with records.transaction() as tx:
        for mid in measurement_ids:
            found = tx.measurement_with_child(mid)
            posyandu = found[1].posyandu_id if found else None
            if found is None or posyandu is None:
                continue
            m, child = found
            name = tx.posyandu_name(posyandu)
            kader = [s for s in tx.staff_of_posyandu(posyandu) if s.role == "kader"]
            for s in queue_to_staff(tx, kader, lambda s: Buttons(
                    render("sheet_delete_ask", s.language, name=child.name, measured_on=m.measured_on, posyandu=name),
                    (Button(f"sheetdel:yes:{mid}", render("sheet_delete_yes", s.language)),
                     Button(f"sheetdel:no:{mid}", render("sheet_delete_no", s.language)))), f"sheetdel:{mid}"):
                asked += 1
                tx.audit("sheet", "measurement.delete_asked", "measurement", mid, {"staff": s.id})
    return asked


def _same_row(found: list, wanted: list, data: tuple[layout.Column, ...]) -> bool:
    for i, c in enumerate(data):
        if c.key in _TUMBUH_OWNED:
            continue
        a = found[i] if i < len(found) else ""
        if not _same_cell(a, wanted[i]):
            return False
    return True


def _same_cell(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return str(a).strip() == str(b).strip()
