"""`python -m shared.ops summary`: the dashboard's figures from log lines written by the real emit() and JsonFormatter,
worked out by hand; junk lines counted and skipped; --since, --json and a missing folder. The command runs in this
process here (the unit tier starts none); tests/integration/test_local_run.py runs it as a process over the logs
of `dev.py serve`."""
import io
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from shared.events import Event, emit
from shared.logs import JsonFormatter
from shared.ops import __main__ as cli
from shared.ops.summary import HANDLERS, nearest_rank, parse_lines, parse_since, render, summarise

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
JUNK = [
    "[2026-11-27 02:00:00 +0000] [4711] [INFO] Starting gunicorn 22.0.0",  # the server's own output
    '{"severity": "INFO", "message": "cut off',  # a line cut by a crash
    "[1, 2]",  # JSON, but not a log line
]


def logged_lines() -> list[str]:
    """The JSON lines of a small day: 4 lines at T0, the rest 2 h later, one backlog 3 h later (logged earlier)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    at = {"time": T0}

    def stamp(record: logging.LogRecord) -> bool:  # the clock of this made-up day
        record.created = at["time"].timestamp()
        return True

    handler.addFilter(stamp)
    log = logging.getLogger("tests.ops_summary")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        emit(log, Event.MESSAGE_HANDLED, kind="text", outcome="answered", latency_ms=95)
        emit(log, Event.MESSAGE_HANDLED, kind="text", outcome="answered", latency_ms=80)
        emit(log, Event.OUTBOX_BACKLOG, pending=9, oldest_age_s=600)
        emit(log, Event.BACKUP_FINISHED, tables=12, rows=100, mib=0.5, seconds=1.5)
        at["time"] = T0 + timedelta(hours=3)
        emit(log, Event.OUTBOX_BACKLOG, pending=3, oldest_age_s=42.5)  # the latest, though not the last line
        at["time"] = T0 + timedelta(hours=2)
        emit(log, Event.OUTBOX_BACKLOG, pending=7, oldest_age_s=120)
        emit(log, Event.MESSAGE_HANDLED, kind="text", outcome="answered", latency_ms=120)
        emit(log, Event.MESSAGE_HANDLED, kind="interactive", outcome="answered", latency_ms=450)
        emit(log, Event.MESSAGE_HANDLED, kind="text", outcome="duplicate", latency_ms=300)
        emit(log, Event.MESSAGE_HANDLED, kind="image", outcome="silent", latency_ms=60)
        for tier in ("routine", "urgent", "routine"):
            emit(log, Event.RESULT_ASSESSED, tier=tier, source="whatsapp")
        for _ in range(3):
            emit(log, Event.REPLY_SENT, type="text")
        emit(log, Event.REPLY_FAILED, type="text", code=131026, transient=False)
        emit(log, Event.REPLY_FAILED, type="template", code=130429, transient=True)
        emit(log, Event.REPLY_FAILED, type="text", code=131026, transient=False)
        emit(log, Event.REMINDER, outcome="sent", kind="monthly")
        emit(log, Event.REMINDER, outcome="skipped", reason="measured_since", kind="monthly")
        emit(log, Event.REMINDER, outcome="sent", kind="monthly")
        emit(log, Event.REMINDER, outcome="skipped", reason="stopped", kind="monthly")
        emit(log, Event.SHEET_FLUSH, rows=10, failed=0)
        emit(log, Event.SHEET_FLUSH, rows=5, failed=2)
        emit(log, Event.SHEET_FAILED, call="append", reason="timeout")
        emit(log, Event.BACKUP_FINISHED, tables=12, rows=250, mib=12.34, seconds=3.2)
        emit(log, Event.BACKUP_FAILED, reason="storage")  # ERROR by its spec
        emit(log, Event.SCHEDULER_TICK, outcome="ok", seconds=1.2)
        emit(log, Event.SCHEDULER_TICK, outcome="failed", seconds=0.3, level=logging.ERROR)
        emit(log, Event.SCHEDULER_TICK, outcome="ok", seconds=0.9)
        for outcome in ("ok", "refused", "ok"):
            emit(log, Event.DASHBOARD_SIGN_IN, outcome=outcome)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            emit(log, Event.REQUEST_FAILED, exc_info=True, function="whatsapp_webhook")
        log.error("workbook missing")
        log.critical("configuration refused")
        log.info("another program's event", extra={"ctx": {"event": "other.thing"}})
    finally:
        log.removeHandler(handler)
    return stream.getvalue().splitlines()


@pytest.fixture(scope="module")
def lines() -> list[str]:
    """The logged lines with the junk and two blank lines among them."""
    logged = logged_lines()
    return logged[:3] + JUNK[:2] + ["", "   "] + logged[3:] + JUNK[2:]


def test_the_figures_of_a_day_match_the_ones_worked_by_hand(lines):
    """Every figure, from 38 logged lines and 3 junk ones (blank lines are not lines)."""
    summary = summarise(parse_lines(lines))

    assert summary["lines"] == {"read": 41, "not_json": 3, "outside_since": 0}
    assert (summary["since"], summary["first"], summary["last"]) == \
        (None, "2026-11-27T02:00:00+00:00", "2026-11-27T05:00:00+00:00")
    assert summary["messages"] == {"total": 6, "by_kind": {"text": 4, "image": 1, "interactive": 1},
                                   "by_outcome": {"answered": 4, "duplicate": 1, "silent": 1}}
    # 60 80 95 120 300 450: p50 is rank ceil(0.50 * 6) = 3, 95 (the interpolated median would be 107.5);
    # p99 is rank ceil(0.99 * 6) = 6, 450.
    assert summary["latency_ms"] == {"count": 6, "method": "nearest-rank", "p50": 95, "p99": 450}
    assert summary["results_by_tier"] == {"routine": 2, "urgent": 1}
    assert summary["replies"] == {"sent": 3, "failed": 3, "failed_by_code": {"131026": 2, "130429": 1}}
    assert summary["backlog"] == {"pending": 3, "oldest_age_s": 42.5, "at": "2026-11-27T05:00:00+00:00"}
    assert summary["reminders"] == {"total": 4, "by_outcome": {"sent": 2, "skipped": 2},
                                    "by_reason": {"measured_since": 1, "stopped": 1}}
    assert summary["sheet"] == {"flushes": 2, "rows": 15, "failed": 2, "calls_failed": {"append": 1}}
    assert summary["backups"] == {
        "finished": 2, "failed": 1, "failed_by_reason": {"storage": 1},
        "last": {"at": "2026-11-27T04:00:00+00:00", "tables": 12, "rows": 250, "mib": 12.34, "seconds": 3.2}}
    assert summary["scheduler_ticks"] == {"ok": 2, "failed": 1}
    assert summary["sign_ins"] == {"ok": 2, "refused": 1}
    # backup.failed, the failed tick, request.failed, an error and a critical line.
    assert summary["errors"] == {"lines": 5, "request_failed_by_function": {"whatsapp_webhook": 1}}


def test_since_leaves_out_earlier_lines_and_lines_without_a_time(lines):
    """From T0 + 1 h: the two early messages, the early backlog and backup go, and a line with no time too."""
    untimed = json.dumps({"severity": "ERROR", "message": "no time", "context": {"event": Event.REPLY_SENT.value}})

    summary = summarise(parse_lines([*lines, untimed]), since=T0 + timedelta(hours=1))

    assert summary["lines"] == {"read": 42, "not_json": 3, "outside_since": 5}
    assert (summary["since"], summary["first"]) == ("2026-11-27T03:00:00+00:00", "2026-11-27T04:00:00+00:00")
    assert summary["messages"]["by_kind"] == {"text": 2, "image": 1, "interactive": 1}
    # 60 120 300 450: p50 is rank 2, 120; p99 is rank 4, 450.
    assert summary["latency_ms"] == {"count": 4, "method": "nearest-rank", "p50": 120, "p99": 450}
    assert summary["backlog"]["pending"] == 3
    assert (summary["backups"]["finished"], summary["backups"]["last"]["rows"]) == (1, 250)
    assert (summary["replies"]["sent"], summary["errors"]["lines"]) == (3, 5)


@pytest.mark.parametrize(("values", "percent", "expected"), [
    ([15, 20, 35, 40, 50], 30, 20),  # rank ceil(1.5) = 2
    ([15, 20, 35, 40, 50], 40, 20),  # rank exactly 2: no rounding up past it
    ([15, 20, 35, 40, 50], 50, 35),
    ([15, 20, 35, 40, 50], 100, 50),
    ([50, 15, 40], 1, 15),  # unsorted in, and the smallest rank is 1
    (list(range(1, 101)), 7, 7),  # 0.07 * 100 is 7.000000000000001 in floats: ceil would give 8
    ([], 50, None),
])
def test_nearest_rank_percentiles(values, percent, expected):
    """The smallest value with at least the percent of values at or below it."""
    assert nearest_rank(values, percent) == expected


def test_since_takes_a_span_or_an_iso_time():
    """Spans count back from now; an ISO time with a zone is taken as it is, without one as local time."""
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("1h", now) == now - timedelta(hours=1)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("90s", now) == now - timedelta(seconds=90)
    assert parse_since("2026-11-27T09:00+07:00", now) == datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
    assert parse_since("2026-11-27T09:00", now) == datetime(2026, 11, 27, 9, 0).astimezone()
    with pytest.raises(ValueError):
        parse_since("yesterday", now)


def test_every_event_adds_to_the_summary():
    """Each event of shared.events has its handler, so a new event cannot be silently left out."""
    assert set(HANDLERS) == set(Event)


def test_the_text_says_each_figure_on_its_topic_line(lines):
    """The plain text an operator reads: one topic a line, 'none' when the logs say nothing of it."""
    text = render(summarise(parse_lines(lines)))
    empty = render(summarise([]))

    assert text.splitlines() == [
        "Tumbuh logs: 41 lines, 2026-11-27T02:00:00+00:00 to 2026-11-27T05:00:00+00:00 (3 not JSON, skipped)",
        "messages   6 handled; by kind: text 4, image 1, interactive 1; by outcome: answered 4, duplicate 1, silent 1",
        "latency    p50 95 ms, p99 450 ms (nearest rank, 6 messages)",
        "results    by tier: routine 2, urgent 1",
        "replies    3 sent, 3 failed; failed by code: 131026 2, 130429 1",
        "backlog    3 pending, oldest 42.5 s (at 2026-11-27T05:00:00+00:00)",
        "reminders  by outcome: sent 2, skipped 2; by reason: measured_since 1, stopped 1",
        "sheet      2 flushes, 15 rows, 2 failed; calls failed: append 1",
        "backups    2 finished, last at 2026-11-27T04:00:00+00:00: 250 rows, 12.3 MiB; 1 failed (storage 1)",
        "scheduler  ticks: ok 2, failed 1",
        "sign-ins   ok 2, refused 1",
        "errors     5 lines at ERROR or above; request.failed by function: whatsapp_webhook 1",
    ]
    assert empty.splitlines()[0] == "Tumbuh logs: 0 lines"
    assert all(line.endswith(" none") for line in empty.splitlines()[1:-1])


def test_the_text_says_one_in_the_singular_and_leaves_out_an_age_it_does_not_have():
    """A quiet run: one message, an empty outbox (no oldest age), one flush of one row."""
    at = "2026-11-27T02:00:00.000+00:00"
    entries = [{"time": at, "severity": "INFO", "context": context} for context in (
        {"event": Event.MESSAGE_HANDLED.value, "kind": "text", "outcome": "answered", "latency_ms": 630},
        {"event": Event.OUTBOX_BACKLOG.value, "pending": 0, "oldest_age_s": None},
        {"event": Event.SHEET_FLUSH.value, "rows": 1, "failed": 0},
    )]

    text = render(summarise(entries)).splitlines()

    assert text[0] == "Tumbuh logs: 3 lines, 2026-11-27T02:00:00+00:00 to 2026-11-27T02:00:00+00:00"
    assert text[2] == "latency    p50 630 ms, p99 630 ms (nearest rank, 1 message)"
    assert text[5] == "backlog    0 pending (at 2026-11-27T02:00:00+00:00)"
    assert text[7] == "sheet      1 flush, 1 row, 0 failed"


@pytest.fixture
def log_folder(tmp_path, lines):
    """A folder as `make run` leaves it: a .jsonl per function, read; the .log files beside them (the same lines
    among the servers' own output, which must not count twice) and a file that is no log, not read."""
    (tmp_path / "webhook.jsonl").write_text("\n".join(lines[:20]) + "\n")
    (tmp_path / "scheduler.jsonl").write_text("\n".join(lines[20:]) + "\n")
    (tmp_path / "webhook.log").write_text("\n".join(lines) + "\n[INFO] Booting worker\n")
    (tmp_path / "graph-standin.log").write_text("POST /v21.0/100000000000001/messages 200\n")
    (tmp_path / "notes.txt").write_text("\n".join(lines))
    return tmp_path


def test_the_command_reads_a_folder_once_and_prints_json(log_folder, lines, capsys):
    """--json prints what summarise() makes of the lines, each line counted once."""
    code = cli.main(["summary", str(log_folder), "--json"])

    assert code == 0
    assert json.loads(capsys.readouterr().out) == summarise(parse_lines(lines))


def test_the_command_filters_with_since_and_reads_stdin(lines, capsys, monkeypatch):
    """`-` reads stdin; --since with an ISO time."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines)))

    code = cli.main(["summary", "-", "--since", "2026-11-27T10:00+07:00", "--json"])

    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["lines"]["outside_since"] == 4 and printed["messages"]["total"] == 4


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    """A path that does not exist: nothing on stdout, one line naming it on stderr, exit 2."""
    code = cli.main(["summary", str(tmp_path / "nowhere")])

    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"summary: no such file or folder: {tmp_path / 'nowhere'}\n"


def test_an_unreadable_since_is_a_usage_error(capsys):
    """argparse's exit 2 with the forms it takes."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["summary", "-", "--since", "yesterday"])

    assert exited.value.code == 2 and "30m, 1h" in capsys.readouterr().err
