"""Ports: what services need from the outside world, as Protocols. Adapters implement them; services use them.

Each later capability widens its port here; every adapter of a port passes the same contract tests. A port is
declared with the first service that uses it, so each one here lists exactly what services call: SheetSync (rows
mirrored into the kader's Sheet) with the Sheet bridge, BackupStore, DatabaseDump, RestoreTarget and SheetExporter
with the nightly backup.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from shared.domain.model import Arrival, Child, Guardian, Measurement, Staff
from shared.domain.dashboard import ChildRow, ChildView, PosyanduMonth, PosyanduRecap, TodayRow
from shared.domain.recap import RecapChild, RecapMeasurement


class UnitOfWork(Protocol):
    """One transaction against the source of truth: everything in it commits together or not at all."""

    def begin_message(self, wamid: str, wa_hash: str, kind: str, wa_id: str, now: datetime,
                      child_id: int | None = None, measurements: int = 0) -> Arrival | None:
        """Record a message id and load who wrote it; None when the id was already recorded (a redelivery).
        With child_id, also the latest `measurements` of that child (newest first), in the same round trip."""

    def record_measurement(self, m: Measurement, source: str, source_ref: str, actor: str,
                           entered_by_staff: int | None = None) -> int | None:
        """Store a measurement with its Sheet-mirror outbox row and audit entry; None for a repeated source_ref."""

    def queue_sends(self, items: list[tuple[dict, str]]) -> list[tuple[int, dict]]:
        """Queue messages (payload, dedupe key) already leased to the caller; returns (row id, payload) in order."""


    def find_guardian(self, wa_id: str) -> Guardian | None:
        """The consented guardian with this number, or None."""

    def guardian_by_id(self, guardian_id: int) -> Guardian | None:
        """The guardian with this id, or None."""

    def create_guardian(self, wa_id: str, language: str, consent_version: str, now: datetime) -> Guardian:
        """Record consent: the first row Tumbuh ever stores about a family."""

    def update_guardian(self, guardian_id: int, **fields) -> None:
        """Change language, opted_out_at, last_inbound_at."""

    def update_staff_language(self, staff_id: int, language: str) -> None:
        """A kader's or bidan's chosen language."""

    def delete_number(self, wa_id: str, claims_hash: str) -> dict:
        """Delete everything linked to a number, whoever entered it: the family, children a kader registered with
        it, a claim refusal, waiting messages. Returns {"guardian_id", "child_ids", "measurements", "refusals",
        "sheets": [{"posyandu_id", "child_ids", "measurement_ids"}]} (the rows to delete from each posyandu's Sheet)."""


    def posyandu_name(self, posyandu_id: int) -> str:
        """The posyandu's name ('' when unknown)."""

    def posyandu_list(self, limit: int = 200) -> list[dict]:
        """Posyandu a parent can pick from: [{"id", "name", "village"}]."""


    def children_of_posyandu(self, posyandu_id: int, limit: int = 2000) -> list[Child]:
        """The children a posyandu looks after (what a kader can pick from)."""

    def add_child(self, guardian_id: int | None, name: str, sex: str, birth_date: date | None,
                  registered_by: int | None = None, posyandu_id: int | None = None,
                  parent_wa_id: str | None = None) -> Child:
        """Register a child (birth_date None: the family gave an age in months instead)."""

    def claim_on(self, child_id: int, wa_id: str) -> None:
        """A kader gave a parent number for a child that is in no family yet: a claim, asked before it counts."""

    def claims_to_ask(self, wa_id: str, claims_hash: str) -> list[Child]:
        """Claims on this number never asked, now marked asked; claims on a refusing number are dropped."""

    def claimed_child(self, child_id: int, wa_id: str) -> Child | None:
        """The child, while it is claimed for this number and in no family."""

    def answer_claim(self, child_id: int, wa_id: str, guardian_id: int | None) -> bool:
        """The parent's answer: the child joins the family (guardian_id) or the number is dropped (None)."""

    def refuse_claims(self, claims_hash: str) -> None:
        """The number's owner asked never to be asked about a child again."""

    def claims_on(self, wa_id: str) -> int:
        """How many children a kader registered with this number that are in no family."""

    def family_record(self, guardian_id: int) -> list[tuple[Child, str, int, date | None]]:
        """Each child of the family with its posyandu's name, its number of measurements and the latest date."""

    def correct_child(self, child_id: int, **fields) -> None:
        """Correct a child's name, sex or birth date (and re-mirror its Sheet row)."""

    def restate_measurements(self, rows: list[tuple[int, tuple[str, ...], dict, str | None]]) -> None:
        """Replace (id, flags, assessment, review) of measurements recomputed after a correction."""


    def measurements_of(self, child_id: int, limit: int = 12) -> list[Measurement]:
        """The child's measurements, newest first."""

    def sheet_posyandu(self, spreadsheet_id: str) -> list[int]:
        """The posyandu whose Sheet this spreadsheet is (one, or a puskesmas's several)."""

    def measurement_with_child(self, measurement_id: int) -> tuple[Measurement, Child] | None:
        """A measurement and its child, or None when there is no such measurement."""

    def delete_measurement(self, measurement_id: int) -> None:
        """Delete one measurement (a kader confirmed a row deleted in the Sheet); its Sheet row goes too."""

    def correct_measurement(self, measurement_id: int, **fields) -> None:
        """Change what was measured (measured_on, weight_kg, lenhei_cm, measure, headc_cm, armc_cm, oedema,
        age_months_given); the caller restates the child's measurements, which recomputes and re-mirrors them."""

    def revise_measurements(self, revisions: list[tuple[int, dict | None, str | None]]) -> None:
        """Replace stored summaries and/or reviews (id, assessment or None, review or None) and re-mirror the rows:
        an older entry changes the N/T of the weighings after it; a re-measure answers a flagged value."""

    def staff_of_posyandu(self, posyandu_id: int) -> list[Staff]:
        """The posyandu's active kader and bidan (told the same day about a confirmed extreme value)."""

    def to_review(self, posyandu_id: int, since: date, limit: int = 30) -> list[tuple[Child, Measurement]]:
        """The posyandu's flagged values since a date that wait for a re-measure or were confirmed ("perlu dicek")."""

    def posyandu_day(self, posyandu_id: int, on: date, limit: int = 200) -> list[tuple[Child, Measurement, str]]:
        """The posyandu's children that staff measured on a day (REKAP), by name, each with its latest measurement
        of the day and what became of the result for the parent: "sent", "template" (outside the 24-hour window),
        "no_number", "claim_pending" (not yet confirmed by the parent), "stopped" (STOP), "unreachable",
        "not_sent" (the parent was linked afterwards), or "remeasure" (nothing to tell until it is re-measured)."""

    def due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        """Reminders due by `now`, not sent nor cancelled, locked for this transaction (others skip them)."""

    def finish_reminder(self, reminder_id: int, *, sent_at: datetime | None = None, cancel_reason: str | None = None,
                        send_after: datetime | None = None) -> None:
        """A reminder sent, cancelled (with the reason), or moved to a later time."""

    def posyandu_days(self, known_only: bool = True) -> list[tuple[int, str, int | None, int | None, str]]:
        """Posyandu (only those whose day is known, unless known_only is False): (id, name, day_of_month, weekday,
        time zone)."""

    def posyandu_list_for_day(self, posyandu_id: int, month_start: date) -> list[tuple[Child, date | None, str | None,
                                                                                      bool]]:
        """The posyandu's children with their latest trusted measurement's day, its tier, and whether it was a 2T;
        for the kader's list the day before posyandu (`month_start`: the current month's first day)."""

    def unanswered_followups(self, sent_before: datetime, limit: int) -> list[tuple[int, Child, date | None]]:
        """Follow-ups ("been to the puskesmas?") sent before a time, unanswered and not yet passed on, locked for this
        transaction: (reminder id, the child, the measurement's day it follows)."""

    def mark_escalated(self, reminder_id: int, at: datetime) -> None:
        """Record that an unanswered follow-up was passed on to the posyandu's staff."""

    def answer_reminder(self, reminder_id: int, guardian_id: int, answer: str, at: datetime) -> DueReminder | None:
        """The family's answer to a reminder of theirs ("done", "later", "stop"); the reminder, or None when it is
        not theirs."""

    def add_reminder(self, child_id: int, guardian_id: int, kind: str, due_on: date, send_after: datetime,
                     basis_on: date | None) -> bool:
        """One reminder (False when that child already has that kind on that day)."""

    def queue(self, kind: str, payload: dict, dedupe_key: str | None = None) -> bool:
        """Add work to the outbox (sent or synced after commit, retried by the scheduler); False when work with
        the same dedupe key was queued before (it is not queued again)."""

    def audit(self, actor: str, action: str, entity: str, entity_id: int | None, detail: dict | None = None) -> None:
        """Add an audit entry (ids and field names only)."""


class Records(Protocol):
    """The source of truth (PostgreSQL)."""

    def ping(self) -> bool:
        """True when the store answers."""

    def transaction(self) -> AbstractContextManager[UnitOfWork]:
        """A unit of work that commits on success and rolls back on any error."""

    def claim_outbox(self, kind: str, dedupe_prefix: str | None, limit: int) -> list[tuple[int, dict]]:
        """Due outbox rows of a kind (optionally only those whose key starts with a prefix), locked for this
        caller until finish_outbox; other callers skip them."""

    def claim_handed_off(self, row_ids: list[int]) -> list[tuple[int, dict]]:
        """Rows a turn handed to another function (leased, never attempted), claimed by the first caller only: a
        task delivered twice, or after the scheduler already took the rows, gets nothing."""

    def release_handed_off(self, row_ids: list[int]) -> int:
        """Make rows a turn leased but nobody has tried yet due now, for the scheduler's tick (the task queue could
        not take them); returns how many were released."""

    def recorded(self, wamid: str) -> bool:
        """Whether a message id is recorded: its turn committed (the permanent record; a Redis claim is a lease)."""

    def refuse_reminders(self, guardian_id: int) -> None:
        """Meta says the person stopped this business's marketing messages (131050): no reminders any more, and the
        pending ones are cancelled with the reason."""

    def mark_unreachable(self, guardian_id: int) -> None:
        """Meta says this guardian's number cannot receive WhatsApp messages (131026)."""

    def finish_sent(self, sent: list[tuple[int, str, str, int | None]]) -> None:
        """Mark sent rows (row id, Meta's wamid, kind, guardian id) done in one statement."""

    def finish_outbox(self, row_id: int, ok: bool, error: str = "", retry_in_s: float | None = 0) -> None:
        """Mark a claimed outbox row done (its payload erased), due again in retry_in_s, or given up (None)."""

    def record_status(self, wamid: str, status: str, at: datetime, error_code: int | None) -> None:
        """Store a delivery status without ever downgrading one (statuses arrive out of order)."""

    def purge_expired(self, now: datetime, periods: dict[str, timedelta], limit: int) -> dict[str, int]:
        """Remove what has been kept longer than its period as of `now` (kinds: see services.retention), at most
        `limit` rows of each kind, and audit the run (actor 'retention', counts only); returns kind → count."""

    def last_purge(self) -> tuple[datetime, dict] | None:
        """When the latest retention purge ran (its `now`) and its counts (kind → rows), or None before the first."""

    def outbox_pending(self) -> int:
        """How many outbox rows are not done yet (due, leased or waiting for a retry)."""

    def outbox_backlog(self) -> tuple[int, int, float | None]:
        """(rows not done, of them held for a family's closed 24-hour window, age in seconds of the oldest row
        not done and not held, or None): held messages wait for the family, every other row for Tumbuh."""

    def refresh_month_counts(self, today: date, limit: int) -> int:
        """Store the Posyandu page's month counts (`today`'s month and the 13 before it) that are missing or stale, at
        most `limit` posyandu-months; how many were stored (see PgDashboard.refresh_month_counts)."""

    def finish_outbox_rows(self, row_ids: list[int], ok: bool, error: str = "",
                           retry_in_s: float | None = 0) -> None:
        """finish_outbox for many claimed rows at once (a Sheet batch succeeds or fails as one)."""

    def sheet_items(self, child_ids: list[int], measurement_ids: list[int]) -> "SheetItems":
        """What the Sheet shows of these children and measurements (those still stored), with their posyandu's
        spreadsheet; a measurement brings its child's row too."""

    def posyandu_sheets(self) -> list[tuple[int, str, str | None]]:
        """Every posyandu as (id, name, spreadsheet id or None)."""

    def children_to_plan(self, today: date, limit: int, default_tz: str) -> list[PlanChild]:
        """Children of consented, reachable families whose reminders were not planned today, the longest-waiting
        first (a bounded batch; the next run continues)."""

    def plan_reminders(self, reminders: list[tuple[int, int, str, date, datetime, date | None]],
                       planned: list[int], today: date) -> int:
        """Store (child, guardian, kind, due_on, send_after, basis_on) reminders, each once, and mark the children
        planned today; returns how many reminders are new."""

    def sheet_keys(self, spreadsheet_id: str) -> tuple[list[int], list[int]]:
        """The ids of the children and measurements that belong in this spreadsheet (what the reconcile expects)."""

    def sheets_to_reconcile(self, every_s: float, limit: int) -> list[str]:
        """Spreadsheets not compared with PostgreSQL for `every_s` seconds, the longest-waiting first."""

    def upcoming_reminders(self, spreadsheet_id: str, first: date, last: date) -> list[tuple[int, Child, str, date]]:
        """Reminders still to send to the families of the spreadsheet's posyandu, due between two days: (reminder
        id, the child, kind, due day), soonest first."""

    def sheet_cursors(self) -> list[tuple[str, int]]:
        """Each spreadsheet with how far its change log has been read."""

    def set_sheet_cursor(self, spreadsheet_id: str, cursor: int, reconcile_now: bool = False) -> None:
        """Record how far a spreadsheet's change log has been read; reconcile_now: compare it whole at the next run
        (the log no longer reaches back to the cursor)."""

    def mark_reconciled(self, spreadsheet_id: str) -> None:
        """Record that a spreadsheet was compared now."""

    def sheet_pending(self, spreadsheet_id: str) -> int:
        """How many writes to this spreadsheet (sheet_upsert, sheet_delete, sheet_note) wait in the outbox."""

    def recap_inputs(self, spreadsheet_id: str, since: date) -> tuple[list[RecapChild], list[RecapMeasurement]]:
        """The children of the posyandu(s) with this spreadsheet, and their measurements since a date (the
        monthly recap's inputs)."""

    def set_spreadsheet(self, posyandu_id: int, spreadsheet_id: str) -> int:
        """Record a posyandu's spreadsheet and queue its whole register (children and measurements) for it;
        returns how many rows were queued."""

    # What a data-subject request reads besides the family record (services.subject; ids only in audit entries).

    def number_claims(self, wa_id: str) -> list[tuple[Child, str, int, datetime | None, datetime | None]]:
        """Children a kader registered with this number that are in no family: (child, posyandu name, number of
        measurements, when the number was given, when its owner was asked or None)."""

    def reminders_of(self, guardian_id: int) -> list[dict]:
        """The family's reminders, by due day: {"child_id", "kind", "due_on", "send_after", "sent_at",
        "cancelled_at", "cancel_reason", "answer", "answered_at", "escalated_at"}."""

    def messages_to(self, guardian_id: int) -> list[dict]:
        """Messages sent to the family, oldest first: {"kind", "sent_at", "status", "status_at", "error_code"}
        (no bodies: none is kept once sent)."""

    def number_traces(self, wa_id: str, wa_hash: str) -> dict:
        """What is kept of a number outside the family record: {"received": [(kind, received_at)] (message ids
        under its pseudonym), "claims_refused_at" (or None), "waiting_sends" (messages not yet sent to it)}."""

    def audit_about(self, guardian_id: int | None, child_ids: list[int], measurement_ids: list[int]) -> list[dict]:
        """Audit entries about the guardian, the children and the measurements, oldest first: {"at", "action",
        "entity", "entity_id", "actor"}, where actor is the actor's kind only ('staff', 'guardian', ...)."""


class Conversations(Protocol):
    """Short-lived conversation state and message-id claims (Redis)."""

    def ping(self) -> bool:
        """True when the store answers."""

    def release(self, message_id: str) -> None:
        """Give a claim back after a transient failure, so the redelivery is processed."""

    def begin_turn(self, message_id: str, wa_id: str, sent_at: int, window_s: int) -> "TurnStart | None":
        """Lease the message id (None while a lease is held: a redelivery) and, in the same round trip, the
        saved state, whether it expired, whether the person is muted, and their message count in the rate
        window the message was sent in (sent_at, Unix seconds; this message included, a redelivery not counted)."""

    def lock(self, wa_id: str, pending: Sequence[tuple[int, str]] = ()) -> AbstractContextManager[None]:
        """Hold one person's conversation so their messages are handled one after the other, earlier-stamped
        messages (timestamp, message id) first when several requests arrive at once."""


    def load(self, wa_id: str) -> dict | None:
        """One person's live conversation state, or None."""

    def save(self, wa_id: str, state: dict) -> None:
        """Save one person's conversation state with a time-out."""

    def forget(self, wa_id: str) -> None:
        """Drop one person's conversation state."""

    def claim_once(self, key: str, seconds: int) -> bool:
        """True the first time a key is claimed within `seconds`; False for a replay."""

    def mute(self, wa_id: str, seconds: int) -> bool:
        """Stop processing a person's messages for `seconds`; True only when this call started the mute."""

    def media_for(self, key: str) -> str | None:
        """The media id of a picture already uploaded for this content key, if Meta still keeps it."""

    def remember_media(self, key: str, media_id: str) -> None:
        """Remember an uploaded picture's media id for its content key."""




@dataclass(frozen=True)
class PlanChild:
    """What the reminder planner knows of a child of a consented, reachable family."""

    child_id: int
    guardian_id: int
    birth_date: date | None
    last_measured_on: date | None
    last_tier: str | None  # the advice matrix's tier of that measurement ("routine", "soon", "today", "now")
    age_given_months: float | None
    day_of_month: int | None  # the posyandu's day, when known
    weekday: int | None
    time_zone: str


@dataclass(frozen=True)
class DueReminder:
    """A reminder whose time has come, locked for the sender in its transaction, with what deciding needs."""

    id: int
    kind: str
    due_on: date
    basis_on: date | None
    child_id: int
    child_name: str
    birth_date: date | None
    guardian_id: int
    wa_id: str
    language: str
    stopped: bool  # STOP: no reminders
    unreachable: bool  # Meta said the number cannot receive WhatsApp, or it stopped business messages
    last_inbound_at: datetime | None
    last_measured_on: date | None
    time_zone: str
    posyandu: str


@dataclass(frozen=True)
class SheetChild:
    """A child as its posyandu's Sheet shows it."""

    child: Child
    spreadsheet_id: str | None  # None: its posyandu has no Sheet (or it has no posyandu yet)
    parent_linked: bool  # a parent receives its results on WhatsApp
    registered_by: str | None  # the kader's name, when a kader registered it
    from_sheet: bool = False  # registered from a row typed in the Sheet (no family, no kader in the chat)


@dataclass(frozen=True)
class SheetMeasurement:
    """A measurement as its posyandu's Sheet shows it."""

    measurement: Measurement
    child: Child
    spreadsheet_id: str | None
    entered_by: str | None  # the kader's or bidan's name; None: the family sent it, or it was typed in the Sheet
    from_sheet: bool = False  # typed in the Sheet by a kader


@dataclass(frozen=True)
class SheetItems:
    children: list[SheetChild]
    measurements: list[SheetMeasurement]


@dataclass(frozen=True)
class TurnStart:
    """What Redis knows about a person when their message arrives."""

    state: dict | None
    expired: bool
    muted: bool
    count: int


class Messenger(Protocol):
    """Sends WhatsApp messages (Meta's Graph API, or the local stand-in at the same contract)."""

    def send(self, body: dict) -> str:
        """Send one message body as whatsapp.payloads.build_message made it; returns Meta's message id."""

    def upload_media(self, data: bytes, filename: str = "chart.png") -> str:
        """Upload an image; returns Meta's media id (valid 30 days; the caller remembers it)."""


class SheetSync(Protocol):
    """A posyandu's spreadsheet, one per posyandu (the Apps Script web app, or a local .xlsx workbook). Rows are
    lists of values in the order of the columns named (the tab's leftmost data columns, the key first); dates are
    ISO strings, blanks "". Raises TransientError when the Sheet cannot be reached now, PermanentError when the
    call can never succeed as it is (the outbox then gives the rows up and says why)."""

    def setup(self, spreadsheet_id: str | None, title: str, tabs: list[dict], editors: list[str], *,
              create_key: str | None = None) -> dict:
        """Create (no id) or complete a posyandu's spreadsheet: tabs, headers, formulas, validation, sharing, the
        edit trigger. Idempotent; `create_key` makes a creation retried after a lost reply return the spreadsheet
        the first attempt made. Returns {"spreadsheet_id", "url", "trigger"}."""

    def upsert_rows(self, spreadsheet_id: str, tab: str, columns: list[str], rows: list[list]) -> dict:
        """Replace the rows with the same keys, append the others: {"updated", "appended"}."""

    def delete_rows(self, spreadsheet_id: str, tab: str, key_column: str, keys: list) -> dict:
        """Delete the rows with these keys: {"deleted"}."""

    def write_tab(self, spreadsheet_id: str, tab: str, headers: list[str], rows: list[list]) -> dict:
        """Replace everything below the header of a tab Tumbuh owns (Rekap, Pengingat): {"rows"}."""

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        """The tab's data block: [{"row": sheet row number, "values": [...]}], empty rows left out, dates as ISO
        strings."""

    def changes(self, spreadsheet_id: str, since: int) -> dict:
        """Rows kader edited since a cursor of the Sheet's change log: {"cursor", "rows": [{"tab", "row", "values"}],
        "complete": False when the log no longer reaches back that far}."""

    def set_notes(self, spreadsheet_id: str, tab: str, columns: list[str], notes: list[dict]) -> dict:
        """Write texts into data cells: each note names its row by "key" (Tumbuh's id in the first column) or by
        "row" (the sheet row) with "expect" (the row's first cells as read; a row that changed since is skipped),
        the "column" (a header), the "text", and "bad" (marks the cell red; False clears the mark).
        Returns {"written": n, "skipped": ["row 7 changed", ...]}."""


class SheetReader(Protocol):
    """Reads a posyandu's Sheet for the reconcile (the Sheets API through gspread, or the SheetSync itself)."""

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        """As SheetSync.read_rows."""


class TaskQueue(Protocol):
    """Hands work to another function right away (Cloud Tasks, or its local stand-in at the same contract)."""

    def hand_off(self, body: dict) -> None:
        """Queue one task whose JSON body the scheduler function's task endpoint receives; raises a
        TransientError when the queue cannot take it now (the caller then does the work itself)."""


class Sink(Protocol):
    """Where a stream of bytes goes (a sealed backup object being written)."""

    def write(self, data: bytes) -> int:
        """Take the next bytes."""


@dataclass(frozen=True)
class Written:
    """One object a backup wrote: its name, sealed size and sha256, and what went in (bytes, lines = COPY rows)."""

    name: str
    size: int
    sha256: str
    plain_bytes: int
    lines: int


class BackupStore(Protocol):
    """Sealed (compressed, encrypted) backup objects and their manifests in a bucket or a local folder."""

    where: str  # for people and logs: gs://bucket/prefix or the folder; never a secret
    key_id: str  # the id of the key new objects are sealed with

    def write(self, name: str, produce: Callable[[Sink], object]) -> Written:
        """Call produce(sink), sealing and storing everything it writes as the object `name`, streamed. The object
        exists only when produce returns; when it raises, nothing is left under that name and the error passes."""

    def open(self, name: str, sha256: str | None = None) -> Iterator[bytes]:
        """The object's plain bytes, chunk by chunk, each checked as it comes; BackupDamaged when it is missing,
        damaged, cut short, sealed with a key not held, or (at its end) its sealed bytes do not hash to sha256."""

    def put_manifest(self, name: str, manifest: dict) -> bool:
        """Store a manifest, sealed against changes (a MAC under the backup key), unless one exists already under
        that name: False then, and the existing one stays."""

    def get_manifest(self, name: str) -> dict | None:
        """The manifest, its MAC checked (BackupDamaged when it does not match or is not readable); None when absent."""

    def names(self, prefix: str = "") -> list[str]:
        """Every object name under prefix, sorted."""

    def delete(self, name: str) -> None:
        """Remove an object; nothing happens when it is already gone."""


@dataclass(frozen=True)
class TableInfo:
    """A table as a backup sees it: its name and the columns COPY reads and writes, in order."""

    name: str
    columns: tuple[str, ...]


class Snapshot(Protocol):
    """One consistent view of the whole database (a REPEATABLE READ, read-only transaction)."""

    def schema_versions(self) -> list[tuple[str, str]]:
        """The migrations applied: (version, checksum), oldest first."""

    def tables(self) -> list[TableInfo]:
        """Every table holding data (schema_migrations aside), parents before the tables that refer to them."""

    def copy_out(self, table: TableInfo, sink: Sink) -> int:
        """Stream the table into sink in PostgreSQL's COPY text format (one line per row); returns the row count."""

    def sequences(self) -> list[dict]:
        """Each sequence's state: {"name", "last_value", "is_called"} (so restored ids never repeat old ones)."""

    def sheets(self) -> list[tuple[int, str, bool]]:
        """(posyandu id, spreadsheet id, deletion pending) of each posyandu with a Sheet; deletion pending: a
        deletion (HAPUS) still waits in the outbox for that Sheet, so exporting it would keep a deleted family."""


class DatabaseDump(Protocol):
    """Reads every table for a backup, one backup at a time."""

    def snapshot(self) -> AbstractContextManager[Snapshot]:
        """Open a consistent snapshot; BackupBusy (TransientError) while another backup holds the backup lock."""


class RestoreTarget(Protocol):
    """The database a backup is restored into."""

    def prepare(self, schema: list[tuple[str, str]], replace: bool) -> None:
        """Make the target ready for data at the backup's schema ((version, checksum) of each migration): refuse a
        database holding any row unless replace (then everything in it is dropped first), one whose schema is ahead
        of the backup's, or a backup whose migrations this code does not have as they were; then apply them."""

    def load(self, tables: Sequence[tuple[TableInfo, Iterable[bytes], int]], sequences: list[dict]) -> dict[str, int]:
        """In one transaction: COPY each table from its stream (parents first, triggers off so nothing is written
        twice), refuse a table whose rows differ from the number expected, set the sequences, and return the rows
        each table received; nothing stays when any step fails (BackupDamaged from a stream included)."""

    def forget(self, guardian_ids: list[int], child_ids: list[int]) -> dict[str, int]:
        """Delete these families and children again (HAPUS made after the backup), with everything hanging on
        them; returns {"guardians", "children"} deleted."""

    def counts(self) -> dict[str, int]:
        """Rows per table, counted afresh (after a restore, to compare with the manifest)."""


class SheetExporter(Protocol):
    """Exports a posyandu's spreadsheet as an .xlsx (Drive API files.export, or the local workbook's file)."""

    def export_xlsx(self, spreadsheet_id: str, sink: Sink) -> int:
        """Stream the spreadsheet as .xlsx into sink; returns its size. PermanentError when it is gone or not
        shared with this identity, TransientError when Google cannot answer now."""


@dataclass(frozen=True)
class Scope:
    """What one signed-in staff member may see: the posyandu of their area (shared.adapters.postgres.dashboard
    resolves it from their role and home posyandu, in one place). Every dashboard read takes it."""

    staff_id: int
    role: str  # kader | bidan | puskesmas | admin
    posyandu_ids: tuple[int, ...]

    def covers(self, posyandu_id: int | None) -> bool:
        return posyandu_id is not None and posyandu_id in self.posyandu_ids


@dataclass(frozen=True)
class StaffSession:
    """A dashboard sign-in: the browser's JWT names it; PostgreSQL says whether it still holds."""

    id: str
    staff_id: int
    expires_at: datetime


class StaffAccess(Protocol):
    """Who may sign in to the dashboard, and their sessions (PostgreSQL)."""

    def active_staff(self, wa_id: str) -> Staff | None:
        """The active staff member with this number, or None (unknown or deactivated)."""

    def open_session(self, staff_id: int, session_id: str, expires_at: datetime) -> StaffSession:
        """Record a new session (audited: staff.sign_in)."""

    def session_staff(self, session_id: str, now: datetime) -> Staff | None:
        """The staff member of a session that is neither revoked, expired, nor of a deactivated person; marks it
        seen. None otherwise."""

    def close_session(self, session_id: str, now: datetime) -> None:
        """Revoke a session (logout); nothing happens to one already closed."""

    # An admin's management of staff: `scope` is the admin's own; each change is one transaction audited with the
    # admin as actor, and answers an outcome key ("added", "changed", "unchanged", "deactivated", "reactivated",
    # or why not: "already_staff", "bad_number", "bad_name", "bad_role", "posyandu_needed", "out_of_scope", "self").

    def staff_list(self, scope: Scope, staff_id: int | None = None) -> list[tuple[Staff, bool]]:
        """The staff an admin manages (home posyandu in scope; the whole deployment's admins for an admin without
        one), each with whether they are active; only `staff_id` when given. Empty for anyone but an admin."""

    def posyandu_choices(self, scope: Scope) -> list[tuple[int, str]]:
        """The posyandu of a scope as (id, label), for choosing a home posyandu."""

    def add_staff(self, scope: Scope, wa_id: str, name: str, role: str, posyandu_id: int | None) -> str:
        """Add an active staff member (wa_id normalised); refused for a number already staff, a posyandu outside
        scope, or none where one is needed."""

    def change_staff(self, scope: Scope, staff_id: int, role: str, posyandu_id: int | None) -> str:
        """Re-scope a staff member: their old and new posyandu both in scope; never the admin themselves."""

    def set_active(self, scope: Scope, staff_id: int, active: bool, now: datetime) -> str:
        """Deactivate (revoking every session of theirs at once) or reactivate; never the admin themselves."""


class LoginGuard(Protocol):
    """One-time sign-in codes and the limits around them (Redis: they expire by themselves)."""

    def allow(self, bucket: str, limit: int, window_s: int) -> bool:
        """Count one attempt in `bucket`; False once `limit` attempts were made within `window_s`."""

    def put_code(self, key: str, code_hash: str, ttl_s: int) -> None:
        """Store the code (its keyed hash) for `key`, replacing an earlier one and its failed tries."""

    def take_code(self, key: str, code_hash: str, max_tries: int) -> bool:
        """True once when the hash matches an unexpired code (which is then gone); a wrong one counts a try, and
        after max_tries the code is gone."""


class DashboardReads(Protocol):
    """Everything the dashboard shows, each read filtered by a Scope (shared.adapters.postgres.dashboard)."""

    def scope(self, staff: Staff) -> Scope:
        """The posyandu this person may see: the one place scope is resolved."""

    def today(self, scope: Scope, on: date, limit: int = 200) -> list[TodayRow]:
        """Children needing action now, most urgent first."""

    def not_weighed(self, scope: Scope, month_start: date, limit: int = 500) -> list[ChildRow]:
        """Children 0-59 months not weighed in the month."""

    def posyandu_months(self, scope: Scope, months: list[date]) -> list[PosyanduMonth]:
        """SKDN and prevalence per posyandu and month."""

    def recap_month(self, scope: Scope, posyandu_id: int, month: date) -> PosyanduRecap | None:
        """The month's recap by age band (Format F2); None outside scope."""

    def search(self, scope: Scope, text: str, limit: int = 30) -> list[ChildRow]:
        """Children whose name contains the text."""

    def child(self, scope: Scope, child_id: int) -> ChildView | None:
        """One child's page; None when outside scope or absent."""

    def export_month(self, scope: Scope, posyandu_id: int, month: date) -> list[dict] | None:
        """A month's measurements as e-PPGBM rows; None when the posyandu is outside scope."""

    def audit_view(self, staff_id: int, action: str, entity: str, entity_id: int | None,
                   detail: dict | None = None) -> None:
        """Record that a staff member saw or exported something (ids only)."""


@dataclass
class DashboardPorts:
    """What the dashboard works through, handed in by bootstrap."""

    access: StaffAccess
    guard: LoginGuard
    messenger: Messenger  # for the sign-in code only: bootstrap hands one that refuses any other message
    reads: DashboardReads


@dataclass
class BackupPorts:
    """What the nightly backup and the restore work through, handed in by bootstrap."""

    store: BackupStore
    dump: DatabaseDump
    exporter: SheetExporter | None = None  # None: no Sheet to export (none configured)
    tz: str = "Asia/Jakarta"
    version: str = ""  # Tumbuh's version, recorded in each manifest


@dataclass
class Ports:
    """The ports a message's handling works through, handed in by bootstrap: the services take this one value."""

    records: Records
    conversations: Conversations
    messenger: Messenger
    tz: str = "Asia/Jakarta"
    tasks: TaskQueue | None = None  # None: charts are drawn by whoever sends them (see deliver)
    sheets: SheetSync | None = None  # the scheduler's: the webhook never calls the Sheet (it queues rows)
    sheet_reconcile_s: float = 3600  # how often the scheduler compares each Sheet with PostgreSQL
    sheet_reader: SheetReader | None = None  # what the reconcile reads with; None: the SheetSync itself
    send_rate_per_s: float = 80.0  # the scheduler's sends at most this many a second (Meta's cap per number)


class Running(Protocol):
    """A warm function instance as the scheduled services see it (bootstrap.App): its ports, and whether the
    stores behind them answer."""

    @property
    def ports(self) -> Ports:
        """The ports scheduled work goes through."""

    def health(self) -> dict:
        """{'ok': bool, ...}: whether PostgreSQL and Redis answer."""

    @property
    def backup(self) -> BackupPorts:
        """The backup's ports (built on first use: only the backup function needs them)."""
