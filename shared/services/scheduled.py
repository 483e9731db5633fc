"""Work fired by Cloud Scheduler: reminders, outbox flush, Sheet reconcile, nightly backup.

Each entry returns (summary, HTTP status); the summary is also one structured log line an alert can watch.
"""
from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from shared.errors import AppError, BackupBusy, TransientError
from shared.events import Event, emit
from shared.ports import Running
from shared.services import backup, reminders, retention, sheet_edits, sheet_sync
from shared.services.delivery import TASK_ROWS_MAX, deliver_due, send_rows

log = logging.getLogger(__name__)

MONTH_COUNTS_PER_TICK = 200  # posyandu-months of the dashboard's stored counts a tick (re)computes at most


def run_due(app: Running, now: datetime | None = None) -> tuple[dict, int]:
    """One scheduler tick: plan and queue the reminders that are due, send what waits in the outbox (replies whose
    first attempt failed, reminders), mirror waiting rows into the posyandu Sheets, purge by the retention policy
    once a day, store some of the dashboard's month counts, then report; 503 (retry) when a store is down. `now`
    may pretend another time (the tick command's --now); the outbox's own schedule follows the database's clock.

    Each tick ends with one scheduler.tick event: outcome ok, stores_down, or failed (a store lost midway, or a
    bug, whose stack trace is the request's own line)."""
    began = time.monotonic()
    try:
        summary, status = _tick(app, now)
    except Exception:
        emit(log, Event.SCHEDULER_TICK, logging.ERROR, outcome="failed", seconds=_since(began))
        raise
    emit(log, Event.SCHEDULER_TICK, logging.INFO if status == 200 else logging.ERROR,
         outcome="ok" if status == 200 else "stores_down", seconds=_since(began),
         replies_sent=summary.get("replies_sent"))
    return summary, status


def _since(began: float) -> float:
    return round(time.monotonic() - began, 3)


def _tick(app: Running, now: datetime | None) -> tuple[dict, int]:
    health = app.health()
    if not health["ok"]:
        return {"ok": False, "health": health}, 503
    now = now or datetime.now(timezone.utc)
    ports = app.ports
    today = now.astimezone(ZoneInfo(ports.tz)).date()
    # Reminders first: what is due now is queued, and sent by this same run's delivery.
    planned = reminders.plan(ports.records, today, ports.tz)
    reminded = reminders.send_due(ports, now)
    reminded["passed_on"] = reminders.pass_on_unanswered(ports, now)
    reminded["kader_lists"] = reminders.kader_lists(ports, now) + reminders.bulan_penimbangan_lists(ports, now)
    try:
        sent = deliver_due(ports, now)
        stopped = None
    except TransientError as exc:  # the Graph API is still down: the rows stay due, next tick tries again
        sent, stopped = 0, type(exc).__name__
    # The Sheet's own failures stay with its rows (back-off in the outbox); they never stop the tick.
    sheet = None
    if ports.sheets is not None:
        sheet = sheet_sync.flush(ports.records, ports.sheets, today)
        emit(log, Event.SHEET_FLUSH, rows=sheet["rows"], deleted=sheet["deleted"], notes=sheet["notes"],
             failed=sheet["failed"])
        # Kader edits whose push was lost: from each Sheet's change log at every run, and by comparing each Sheet
        # with PostgreSQL now and then (which also finds deleted rows and edits made without the trigger).
        sheet["changes"] = sheet_edits.catch_up(ports.records, ports.sheets, today)
        sheet["reconcile"] = sheet_edits.reconcile_due(ports.records, ports.sheets, today, ports.sheet_reconcile_s,
                                                       reader=ports.sheet_reader)
    # Each purge run leaves an audit entry stamped with its `now`: the latest one says whether today's has run.
    last = ports.records.last_purge()
    last_at, last_counts = last if last else (None, None)
    purged = None
    if retention.is_due(last_at, last_counts, now, ports.tz):
        purged = retention.purge(ports.records, now)
    # The Posyandu page's month counts, stored a bounded batch a tick (the page counts live what is not stored);
    # a failure leaves them to the next tick and never fails this one.
    try:
        month_counts: int | None = ports.records.refresh_month_counts(today, MONTH_COUNTS_PER_TICK)
    except AppError as exc:
        month_counts = None
        log.warning(f"month counts not refreshed: {type(exc).__name__}", extra={"ctx": {"error": type(exc).__name__}})
    pending, held, oldest_s = ports.records.outbox_backlog()
    emit(log, Event.OUTBOX_BACKLOG, pending=pending, held=held,
         oldest_age_s=None if oldest_s is None else round(oldest_s))
    summary = {"ok": True, "health": health, "outbox_pending": pending,
               "ran": ["plan_reminders", "send_reminders", "deliver_replies"]
               + (["sheet_flush"] if sheet is not None else [])
               + (["retention_purge"] if purged is not None else [])
               + (["month_counts"] if month_counts is not None else []),
               "replies_sent": sent, "reminders": {"planned": planned, "decided": reminded}}
    if sheet is not None:
        summary["sheet"] = sheet
    if purged is not None:
        summary["purged"] = purged
    if month_counts is not None:
        summary["month_counts_stored"] = month_counts
    if stopped:
        summary["replies_stopped_by"] = stopped
    return summary, 200


def run_task(app: Running, body: object) -> tuple[dict, int]:
    """A task the webhook handed off (Cloud Tasks → POST /tasks/deliver): send those outbox rows, in order (a chart's
    message and what followed it, or the replies that did not fit the webhook's time budget), drawing the charts
    they carry. Only rows nobody has tried yet are taken, so a task delivered twice sends nothing twice;
    a send that fails goes back to the outbox's back-off (the scheduler tick retries it), so the answer is 200
    unless the rows could not even be claimed (503: Cloud Tasks tries again)."""
    ids = body.get("outbox_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= TASK_ROWS_MAX or \
            not all(type(i) is int and i > 0 for i in ids):
        return {"ok": False, "error": f"body must be {{\"outbox_ids\": [1 to {TASK_ROWS_MAX} row ids]}}"}, 400
    ports = app.ports
    rows = ports.records.claim_handed_off(ids)
    now = datetime.now(timezone.utc)
    try:
        sent, stopped = send_rows(ports, rows, now), None
    except TransientError as exc:
        sent, stopped = None, type(exc).__name__
    summary: dict[str, object] = {"ok": stopped is None, "claimed": len(rows), "sent": sent}
    if stopped:
        summary["stopped_by"] = stopped  # the unsent rows are due again through the outbox back-off
    log.info("handed-off sends", extra={"ctx": summary})
    return summary, 200


def run_backup(app: Running, now: datetime | None = None) -> tuple[dict, int]:
    """The nightly backup (see shared.services.backup): 200 when tonight's backup exists (made now or before), 503
    while another run makes it or a store cannot answer (Cloud Scheduler retries), 500 when it failed for good.
    A failure is one ERROR log line, "backup failed", which the operations alert watches."""
    now = now or datetime.now(timezone.utc)
    try:
        return backup.run(app.backup, now, secrets.token_hex(4)), 200
    except BackupBusy:
        log.info("backup already running elsewhere; this run steps aside")
        return {"ok": False, "busy": True}, 503
    except AppError as exc:
        transient = isinstance(exc, TransientError)
        emit(log, Event.BACKUP_FAILED, words=f"backup failed: {exc}", reason=type(exc).__name__, retry=transient)
        return {"ok": False, "error": type(exc).__name__}, 503 if transient else 500
