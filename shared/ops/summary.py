"""The dashboard's figures from Tumbuh's JSON log lines (shared.logs, events of shared.events), as plain text or JSON.

Pure: parse_lines() turns text lines into entries, summarise() counts them, render() writes the text. Reading
files and stdin is the command's (__main__.py). Unknown events and fields of the wrong type are ignored, never fatal.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from shared.events import Event

PERCENTILES = (50, 99)
# Cloud Logging's LogSeverity values at ERROR and above.
ERROR_SEVERITIES = frozenset({"ERROR", "CRITICAL", "ALERT", "EMERGENCY"})
UNKNOWN = "unknown"  # a counted field the line does not carry
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def parse_lines(lines: Iterable[str]) -> Iterator[dict | None]:
    """Each non-blank line as a dict, or None when it is not a JSON object (a server's own output, a cut line)."""
    for line in lines:
        text = line.strip()
        if not text:
            continue
        try:
            entry = json.loads(text)
        except ValueError:
            entry = None
        yield entry if isinstance(entry, dict) else None


def parse_since(text: str, now: datetime) -> datetime:
    """--since: a span back from now (90s, 30m, 1h, 2d) or an ISO time (without a zone: this machine's local time).

    Raises:
        ValueError: neither.
    """
    if span := _SPAN.fullmatch(text.strip()):
        return now - timedelta(seconds=float(span[1]) * _UNIT_S[span[2]])
    moment = datetime.fromisoformat(text.strip())
    return moment.astimezone(timezone.utc) if moment.tzinfo is None else moment


def nearest_rank(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `percent`% of the values at or below it
    (rank ceil(percent/100 * n), 1-based, in integers so no float rounding moves it); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, -(-percent * len(ordered) // 100)) - 1]


def line_time(entry: Mapping) -> datetime | None:
    """The line's `time` (JsonFormatter: ISO 8601 in UTC), or None when missing or unreadable."""
    text = entry.get("time")
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _number(value: Any) -> float | int | None:
    """A numeric field's value; None for anything else (a bool is not a figure here)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _label(value: Any) -> str:
    return UNKNOWN if value is None or value == "" else str(value)


def _ranked(counts: Counter) -> dict[str, int]:
    """Most frequent first, ties by name: the order the text shows."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


@dataclass
class _Tally:
    """The running counts of one summary."""

    read: int = 0
    not_json: int = 0
    outside_since: int = 0
    first: datetime | None = None
    last: datetime | None = None
    kinds: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    latencies_ms: list = field(default_factory=list)
    tiers: Counter = field(default_factory=Counter)
    sent: int = 0
    failed_codes: Counter = field(default_factory=Counter)
    backlog: tuple | None = None  # (order key, entry context)
    reminder_outcomes: Counter = field(default_factory=Counter)
    reminder_reasons: Counter = field(default_factory=Counter)
    flushes: int = 0
    flush_rows: float = 0
    flush_failed: float = 0
    sheet_calls_failed: Counter = field(default_factory=Counter)
    backups: int = 0
    last_backup: tuple | None = None  # (order key, entry context)
    backup_failures: Counter = field(default_factory=Counter)
    ticks: Counter = field(default_factory=Counter)
    sign_ins: Counter = field(default_factory=Counter)
    error_lines: int = 0
    failed_functions: Counter = field(default_factory=Counter)

    def message_handled(self, ctx: Mapping, key: tuple) -> None:
        self.kinds[_label(ctx.get("kind"))] += 1
        self.outcomes[_label(ctx.get("outcome"))] += 1
        if (latency := _number(ctx.get("latency_ms"))) is not None:
            self.latencies_ms.append(latency)

    def result_assessed(self, ctx: Mapping, key: tuple) -> None:
        self.tiers[_label(ctx.get("tier"))] += 1

    def reply_sent(self, ctx: Mapping, key: tuple) -> None:
        self.sent += 1

    def reply_failed(self, ctx: Mapping, key: tuple) -> None:
        self.failed_codes[_label(ctx.get("code"))] += 1

    def outbox_backlog(self, ctx: Mapping, key: tuple) -> None:
        if self.backlog is None or key >= self.backlog[0]:
            self.backlog = (key, ctx)

    def reminder(self, ctx: Mapping, key: tuple) -> None:
        self.reminder_outcomes[_label(ctx.get("outcome"))] += 1
        if ctx.get("reason") not in (None, ""):  # a sent reminder has none
            self.reminder_reasons[str(ctx["reason"])] += 1

    def sheet_flush(self, ctx: Mapping, key: tuple) -> None:
        self.flushes += 1
        self.flush_rows += _number(ctx.get("rows")) or 0
        failed = ctx.get("failed")
        self.flush_failed += int(failed) if isinstance(failed, bool) else _number(failed) or 0

    def sheet_failed(self, ctx: Mapping, key: tuple) -> None:
        self.sheet_calls_failed[_label(ctx.get("call"))] += 1

    def backup_finished(self, ctx: Mapping, key: tuple) -> None:
        self.backups += 1
        if self.last_backup is None or key >= self.last_backup[0]:
            self.last_backup = (key, ctx)

    def backup_failed(self, ctx: Mapping, key: tuple) -> None:
        self.backup_failures[_label(ctx.get("reason"))] += 1

    def scheduler_tick(self, ctx: Mapping, key: tuple) -> None:
        self.ticks[_label(ctx.get("outcome"))] += 1

    def dashboard_sign_in(self, ctx: Mapping, key: tuple) -> None:
        self.sign_ins[_label(ctx.get("outcome"))] += 1

    def request_failed(self, ctx: Mapping, key: tuple) -> None:
        self.failed_functions[_label(ctx.get("function"))] += 1


# What each event adds to the summary; a test checks every event of shared.events has its line here.
HANDLERS: dict[Event, Callable[[_Tally, Mapping, tuple], None]] = {
    Event.MESSAGE_HANDLED: _Tally.message_handled,
    Event.RESULT_ASSESSED: _Tally.result_assessed,
    Event.REPLY_SENT: _Tally.reply_sent,
    Event.REPLY_FAILED: _Tally.reply_failed,
    Event.OUTBOX_BACKLOG: _Tally.outbox_backlog,
    Event.REMINDER: _Tally.reminder,
    Event.SHEET_FLUSH: _Tally.sheet_flush,
    Event.SHEET_FAILED: _Tally.sheet_failed,
    Event.BACKUP_FINISHED: _Tally.backup_finished,
    Event.BACKUP_FAILED: _Tally.backup_failed,
    Event.SCHEDULER_TICK: _Tally.scheduler_tick,
    Event.DASHBOARD_SIGN_IN: _Tally.dashboard_sign_in,
    Event.REQUEST_FAILED: _Tally.request_failed,
}


def summarise(entries: Iterable[Mapping | None], since: datetime | None = None) -> dict:
    """The summary of parsed log lines (None: a line that was not JSON, counted only), as JSON-able data.

    Args:
        since: count only lines whose `time` is at or after it; a line without a readable time is then left out.
    Returns:
        lines (read, not_json, outside_since), first/last time, messages, latency_ms (nearest-rank p50/p99),
        results_by_tier, replies, backlog (the latest outbox.backlog, or None), reminders, sheet, backups,
        scheduler_ticks, sign_ins, errors.
    """
    tally = _Tally()
    for order, entry in enumerate(entries):
        tally.read += 1
        if entry is None:
            tally.not_json += 1
            continue
        moment = line_time(entry)
        if since is not None and (moment is None or moment < since):
            tally.outside_since += 1
            continue
        if moment is not None:
            tally.first = moment if tally.first is None else min(tally.first, moment)
            tally.last = moment if tally.last is None else max(tally.last, moment)
        if entry.get("severity") in ERROR_SEVERITIES:
            tally.error_lines += 1
        ctx = entry.get("context")
        if not isinstance(ctx, dict):
            continue
        try:
            event = Event(str(ctx.get("event")))
        except ValueError:  # another program's line, or no event
            continue
        HANDLERS[event](tally, ctx, (moment or _EARLIEST, order))
    return _result(tally, since)


def _result(t: _Tally, since: datetime | None) -> dict:
    backlog = None
    if t.backlog is not None:
        (moment, _), ctx = t.backlog
        backlog = {"pending": _number(ctx.get("pending")), "oldest_age_s": _number(ctx.get("oldest_age_s")),
                   "at": _when(moment if moment != _EARLIEST else None)}
    last_backup = None
    if t.last_backup is not None:
        (moment, _), ctx = t.last_backup
        last_backup = {"at": _when(moment if moment != _EARLIEST else None),
                       **{k: _number(ctx.get(k)) for k in ("tables", "rows", "mib", "seconds")}}
    return {
        "lines": {"read": t.read, "not_json": t.not_json, "outside_since": t.outside_since},
        "since": _when(since),
        "first": _when(t.first),
        "last": _when(t.last),
        "messages": {"total": sum(t.kinds.values()), "by_kind": _ranked(t.kinds),
                     "by_outcome": _ranked(t.outcomes)},
        "latency_ms": {"count": len(t.latencies_ms), "method": "nearest-rank",
                       **{f"p{p}": nearest_rank(t.latencies_ms, p) for p in PERCENTILES}},
        "results_by_tier": _ranked(t.tiers),
        "replies": {"sent": t.sent, "failed": sum(t.failed_codes.values()),
                    "failed_by_code": _ranked(t.failed_codes)},
        "backlog": backlog,
        "reminders": {"total": sum(t.reminder_outcomes.values()), "by_outcome": _ranked(t.reminder_outcomes),
                      "by_reason": _ranked(t.reminder_reasons)},
        "sheet": {"flushes": t.flushes, "rows": t.flush_rows, "failed": t.flush_failed,
                  "calls_failed": _ranked(t.sheet_calls_failed)},
        "backups": {"finished": t.backups, "last": last_backup, "failed": sum(t.backup_failures.values()),
                    "failed_by_reason": _ranked(t.backup_failures)},
        "scheduler_ticks": _ranked(t.ticks),
        "sign_ins": _ranked(t.sign_ins),
        "errors": {"lines": t.error_lines, "request_failed_by_function": _ranked(t.failed_functions)},
    }


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _many(count: float | int, one: str, many: str = "") -> str:
    """'1 message', '2 messages' ('1 flush', '2 flushes' when told)."""
    return f"{_fig(count)} {one if count == 1 else many or one + 's'}"


def _fig(value: float | int | None, unit: str = "") -> str:
    """A figure as people read it: whole numbers without '.0', others to one decimal; '?' when missing."""
    if value is None:
        return "?"
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text + unit


def render(summary: Mapping) -> str:
    """The summary as a few lines of plain text, one topic a line ('none' when the logs say nothing of it)."""
    lines = summary["lines"]
    head = f"Tumbuh logs: {_many(lines['read'], 'line')}"
    if summary["first"]:
        head += f", {summary['first']} to {summary['last']}"
    notes = [f"{lines['not_json']} not JSON, skipped"] if lines["not_json"] else []
    if summary["since"]:
        notes.append(f"{lines['outside_since']} before --since {summary['since']}")
    out = [head + (f" ({'; '.join(notes)})" if notes else "")]

    def row(topic: str, text: str) -> None:
        out.append(f"{topic:<10} {text or 'none'}")

    m = summary["messages"]
    row("messages", f"{m['total']} handled; by kind: {_counts(m['by_kind'])}; "
                    f"by outcome: {_counts(m['by_outcome'])}" if m["total"] else "")
    lat = summary["latency_ms"]
    row("latency", ", ".join(f"p{p} {_fig(lat[f'p{p}'], ' ms')}" for p in PERCENTILES)
        + f" (nearest rank, {_many(lat['count'], 'message')})" if lat["count"] else "")
    tiers = summary["results_by_tier"]
    row("results", f"by tier: {_counts(tiers)}" if tiers else "")
    rep = summary["replies"]
    failed_codes = f"; failed by code: {_counts(rep['failed_by_code'])}" if rep["failed"] else ""
    row("replies", f"{rep['sent']} sent, {rep['failed']} failed{failed_codes}" if rep["sent"] or rep["failed"] else "")
    b = summary["backlog"]
    row("backlog", f"{_fig(b['pending'])} pending"
        + (f", oldest {_fig(b['oldest_age_s'], ' s')}" if b["oldest_age_s"] is not None else "")
        + (f" (at {b['at']})" if b["at"] else "") if b else "")
    rem = summary["reminders"]
    reasons = f"; by reason: {_counts(rem['by_reason'])}" if rem["by_reason"] else ""
    row("reminders", f"by outcome: {_counts(rem['by_outcome'])}{reasons}" if rem["total"] else "")
    sh = summary["sheet"]
    calls = f"; calls failed: {_counts(sh['calls_failed'])}" if sh["calls_failed"] else ""
    flushed = f"{_many(sh['flushes'], 'flush', 'flushes')}, {_many(sh['rows'], 'row')}, {_fig(sh['failed'])} failed"
    row("sheet", flushed + calls if sh["flushes"] or sh["calls_failed"] else "")
    bk, last = summary["backups"], summary["backups"]["last"]
    text = f"{bk['finished']} finished"
    if last:
        text += f", last{' at ' + last['at'] if last['at'] else ''}: {_fig(last['rows'])} rows, " \
                f"{_fig(last['mib'])} MiB"
    text += f"; {bk['failed']} failed" + (f" ({_counts(bk['failed_by_reason'])})" if bk["failed"] else "")
    row("backups", text if bk["finished"] or bk["failed"] else "")
    ticks = summary["scheduler_ticks"]
    row("scheduler", f"ticks: {_counts(ticks)}" if ticks else "")
    row("sign-ins", _counts(summary["sign_ins"]))
    err = summary["errors"]
    by_function = err["request_failed_by_function"]
    row("errors", f"{_many(err['lines'], 'line')} at ERROR or above"
        + (f"; {Event.REQUEST_FAILED} by function: {_counts(by_function)}" if by_function else ""))
    return "\n".join(out)
