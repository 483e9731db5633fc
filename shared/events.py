"""The events Tumbuh's log lines name, in one place: what operators watch is built from these names.

Each event is one structured line (shared.logs): its message is the event's words, and its context holds
`event` (the name below) and the event's fields, which are counts, codes, tiers and durations, never personal
data. The log-based metrics (monitoring/metrics.json, created by deploy.sh) filter on
`jsonPayload.context.event`; `python -m shared.ops summary` reads the same lines locally; docs/operations.md
lists every event. Tests hold the three to this module: a metric names only events the code emits, and every
event emitted is documented.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum


class Event(StrEnum):
    """An event's name, as it appears in `jsonPayload.context.event`."""

    MESSAGE_HANDLED = "message.handled"
    RESULT_ASSESSED = "result.assessed"
    REPLY_SENT = "reply.sent"
    REPLY_FAILED = "reply.failed"
    OUTBOX_BACKLOG = "outbox.backlog"
    REMINDER = "reminder.done"
    SHEET_FLUSH = "sheet.flush"
    SHEET_FAILED = "sheet.failed"
    BACKUP_FINISHED = "backup.finished"
    BACKUP_FAILED = "backup.failed"
    SCHEDULER_TICK = "scheduler.tick"
    DASHBOARD_SIGN_IN = "dashboard.sign_in"
    REQUEST_FAILED = "request.failed"


@dataclass(frozen=True)
class Spec:
    """What an event says and carries: its words (the line's message), its level, and its fields."""

    words: str
    level: int
    fields: tuple[str, ...]


SPECS: dict[Event, Spec] = {
    # The webhook: one line per inbound message, once handled (or dropped).
    Event.MESSAGE_HANDLED: Spec("message handled", logging.INFO, ("kind", "outcome", "latency_ms")),
    # A measurement assessed and recorded (chat or Sheet): the advice matrix's urgency tier.
    Event.RESULT_ASSESSED: Spec("result assessed", logging.INFO, ("tier", "source")),
    # The Graph API client: every send, by message type; every refusal, by Meta's error code.
    Event.REPLY_SENT: Spec("reply sent", logging.INFO, ("type", "wa")),
    Event.REPLY_FAILED: Spec("reply failed", logging.WARNING, ("type", "code", "transient", "wa", "subcode",
                                                                "meta_type", "http_status", "error", "fbtrace_id")),
    # The scheduler, each tick: replies and reminders waiting to be sent, and the age of the oldest.
    Event.OUTBOX_BACKLOG: Spec("outbox backlog", logging.INFO, ("pending", "held", "oldest_age_s")),
    # A reminder's fate: sent, or skipped with its reason (stopped, measured since, window closed, ...).
    Event.REMINDER: Spec("reminder done", logging.INFO, ("outcome", "reason", "kind")),
    # The Sheet bridge, each flush: rows written; a call the bridge failed or refused.
    Event.SHEET_FLUSH: Spec("sheet flush", logging.INFO, ("rows", "deleted", "notes", "failed")),
    Event.SHEET_FAILED: Spec("sheet call failed", logging.WARNING, ("call", "reason", "rows", "transient")),
    # The nightly backup.
    Event.BACKUP_FINISHED: Spec("backup finished", logging.INFO, ("tables", "rows", "mib", "sheets",
                                                                  "sheets_skipped", "pruned", "seconds", "key_id")),
    Event.BACKUP_FAILED: Spec("backup failed", logging.ERROR, ("reason", "retry")),
    # The scheduler's tick, whatever it did.
    Event.SCHEDULER_TICK: Spec("scheduler tick", logging.INFO, ("outcome", "seconds", "replies_sent")),
    # The staff dashboard's sign-in: a code asked for (step code) or typed (step signin), and the outcome.
    Event.DASHBOARD_SIGN_IN: Spec("dashboard sign-in", logging.INFO, ("step", "outcome", "limit", "typed", "wa",
                                                                       "staff", "staff_id")),
    # An unexpected exception (a bug): one line with the stack trace, in Error Reporting's shape.
    Event.REQUEST_FAILED: Spec("request failed", logging.ERROR, ("function",)),
}


def emit(logger: logging.Logger, event: Event, level: int | None = None, exc_info: bool = False,
         words: str | None = None, **fields) -> None:
    """Log one event: its words as the message, `event` and the fields in the line's context.

    Args:
        level: the event's own level unless given (a tick that failed is an ERROR).
        words: more telling words for this line than the event's own (what an operator must do); our words only.
        fields: only the event's declared fields (a typo would make a metric silently count nothing).
    """
    spec = SPECS[event]
    unknown = set(fields) - set(spec.fields)
    if unknown:
        raise ValueError(f"{event} has no fields {sorted(unknown)}")
    logger.log(spec.level if level is None else level, words or spec.words, exc_info=exc_info,
               extra={"ctx": {"event": event.value, **fields}})
