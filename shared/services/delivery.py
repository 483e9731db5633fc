"""Sending what the outbox holds: a turn's replies right after its commit, a redelivery's pending ones, every due
one on the scheduler's tick, and the hand-off of what the webhook should not wait for (a result's chart, or a batch
past its time budget) to the task queue.

Each reply is marked sent in its own statement the moment Meta accepts it: Meta's send takes no idempotency key,
so a crash between its answer and the mark sends that one message again when its outbox lease runs out, never a
whole turn's.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from shared import charts
from shared.errors import PermanentError, TransientError
from shared.flows.messages import DEFAULT_LANGUAGE, render
from shared.domain.model import Staff
from shared.ports import Ports, UnitOfWork
from shared.whatsapp.errors import (MEDIA_GONE_CODES, OutsideWindow, StoppedBusinessMessages, Unreachable,
                                    WhatsAppPermanent)
from shared.whatsapp.outgoing import Image, Outgoing, Template, Text
from shared.whatsapp.payloads import build_message, with_image_header

log = logging.getLogger(__name__)

SEND_BATCH = 10
# Meta treats a webhook unanswered after about 5 s as failed (reference/whatsapp.md B4). Replies go out inline for
# 3 s (about 15 sends at 200 ms each); the rest of the 5 s is for the turns still to run and the answer itself.
SEND_BUDGET_S = 3.0
# Turns (database work, a few ms each) go on past Meta's time-out: a late answer only costs a redelivery, which
# finds them recorded, while stopping would leave the rest to Meta's back-off. Past 20 s the rest is left to it
# all the same (503), well inside the webhook function's 60 s time-out (deploy.sh).
TURN_LIMIT_S = 20.0
# A turn's own work, a handful of Redis and PostgreSQL round trips: ~1.5 ms here, a few ms against Memorystore and
# Cloud SQL. Inline sending stops this much earlier per message of the batch, leaving time for all of its turns.
TURN_S = 0.005
HANDOFF_ROWS = 20  # rows per task handed on: ~4 s of sends; Cloud Tasks runs tasks side by side, so a batch drains fast
# What the task endpoint (services.scheduled.run_task) takes at most: a turn queues a handful of messages, so
# anything bigger is not a task the webhook made.
TASK_ROWS_MAX = 50
WAITING_TEMPLATE = "pesan_menunggu"  # utility template: "a message is waiting, reply to read it"
HOLD_S = 7 * 24 * 3600  # a message held for a closed window waits this long for the person to reply
# How long one scheduler run sends what is due before it leaves the rest to the next run (Cloud Scheduler calls every
# 5 minutes with a longer attempt deadline: deploy.sh): at 80 a second, 4,800 messages a run.
TICK_SEND_S = 60.0


@dataclass(frozen=True)
class Budget:
    """One webhook request's time on a monotonic clock: replies go out inline until send_by, and no further
    person's turns start after stop_by (the rest is left to Meta's redelivery)."""

    send_by: float
    stop_by: float
    clock: Callable[[], float] = time.monotonic
    began: float = 0.0  # when the request arrived, on the same clock

    @classmethod
    def starting(cls, at: float | None = None, clock: Callable[[], float] = time.monotonic) -> Budget:
        """The budget of a request that arrived at `at` on `clock` (default: now)."""
        began = clock() if at is None else at
        return cls(began + SEND_BUDGET_S, began + TURN_LIMIT_S, clock, began)

    def elapsed_ms(self) -> int:
        """Milliseconds since the request arrived."""
        return round((self.clock() - self.began) * 1000)

    def sending(self) -> bool:
        """Whether replies may still go out inline."""
        return self.clock() < self.send_by

    def spent(self) -> bool:
        """Whether the batch must stop and leave the rest to Meta's redelivery."""
        return self.clock() >= self.stop_by


def deliver(ports: Ports, wamid: str, now: datetime) -> int:
    """Send the due messages queued by one inbound message (a redelivery's replies still waiting)."""
    return send_rows(ports, ports.records.claim_outbox("send", f"{wamid}:", SEND_BATCH), now)


class Pace:
    """At most `rate` sends a second, evenly spaced (Meta's throughput per number is 80 a second: above it Meta
    answers 130429 and the messages wait anyway). Thread-safe; the clock and the sleep are passed in for tests."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.gap = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Return when the next send may go."""
        with self.lock:
            at = max(self.next, self.clock())
            self.next = at + self.gap
        delay = at - self.clock()
        if delay > 0:
            self.sleep(delay)


def deliver_due(ports: Ports, now: datetime, budget_s: float = TICK_SEND_S, pace: Pace | None = None,
                clock: Callable[[], float] = time.monotonic) -> int:
    """Send due messages, a batch at a time, paced at the number's cap, until none is due or `budget_s` is spent
    (the scheduler's tick: replies an outage left behind, reminders; the next tick goes on). One sender, so each
    person's messages leave in the order they were queued. Returns how many went; stops at a transient failure."""
    pace = pace or Pace(ports.send_rate_per_s)
    stop_at = clock() + budget_s
    sent = 0
    while clock() < stop_at:
        leased = ports.records.claim_outbox("send", None, SEND_BATCH)
        if not leased:
            break
        sent += send_rows(ports, leased, now, pace=pace)
    return sent


def send_rows(ports: Ports, leased: list[tuple[int, dict]], now: datetime, later: Deferred | None = None,
              pace: Pace | None = None) -> int:
    """Send outbox rows leased to the caller, in order. Returns how many went; a transient failure leaves the rest
    due (their lease runs out) and is raised.

    With later (the webhook's own turn), a message goes there instead, and everything queued after it, when the
    batch's send budget is spent, when its recipient already has messages waiting there (their order), or when it
    carries a chart and there is a task queue: drawing takes ~90 ms of CPU that Meta's webhook should not wait
    for. The scheduler function's task endpoint then claims and sends those rows (see services.scheduled.run_task).
    """
    sent = 0
    for i, (row_id, payload) in enumerate(leased):
        if later is not None and later.wants(payload):
            later.add(leased[i:])
            break
        if pace is not None:
            pace.wait()
        try:
            wamid_out = send_payload(ports, payload)
        except TransientError as exc:
            delay = float(getattr(exc, "retry_after_s", 0) or 0)  # the outbox backs off from its attempts
            ports.records.finish_outbox(row_id, ok=False, error=type(exc).__name__, retry_in_s=delay)
            raise  # the rest keeps its lease and goes after this one: one person's messages stay in order
        except OutsideWindow:
            # The person has not written for 24 hours: only a template may go now. It asks them to reply;
            # their reply reopens the window and releases this message (see begin_message).
            hold_for_window(ports, payload)
            ports.records.finish_outbox(row_id, ok=False, error="OutsideWindow", retry_in_s=HOLD_S)
            continue
        except PermanentError as exc:
            log.error("message not deliverable", extra={"ctx": {"error": type(exc).__name__,
                                                                "code": getattr(exc, "code", None)}})
            if isinstance(exc, Unreachable) and payload.get("guardian_id"):
                ports.records.mark_unreachable(payload["guardian_id"])
            if isinstance(exc, StoppedBusinessMessages) and payload.get("guardian_id"):
                ports.records.refuse_reminders(payload["guardian_id"])
            ports.records.finish_outbox(row_id, ok=False, error=type(exc).__name__, retry_in_s=None)
            continue
        # Marked at once, one statement per send rather than one per turn: Meta's send has no idempotency key, so
        # a crash before this line sends this message again after its lease; a crash after it repeats nothing.
        ports.records.finish_sent([(row_id, wamid_out, payload.get("kind", "reply"), payload.get("guardian_id"))])
        sent += 1
    return sent


def staff_notice(staff: Staff, message: Outgoing) -> dict:
    """The outbox payload of a message to a kader or bidan, in their language (no family behind it: no guardian)."""
    return {"to": staff.wa_id, "body": build_message(staff.wa_id, message), "kind": "staff_notice",
            "guardian_id": None, "lang": staff.language}


def queue_to_staff(tx: UnitOfWork, staff: Iterable[Staff], message_for: Callable[[Staff], Outgoing],
                   key: str) -> list[Staff]:
    """Queue one message to each of these staff (message_for makes it in their language), once per key
    (`<key>:s<staff id>`); returns those it was queued for now, not before."""
    return [s for s in staff if tx.queue("send", staff_notice(s, message_for(s)), dedupe_key=f"{key}:s{s.id}")]


def hold_for_window(ports: Ports, payload: dict) -> None:
    """Send the approved 'a message is waiting' template (once per held message; Meta allows it any time)."""
    lang = payload.get("lang") or DEFAULT_LANGUAGE
    try:
        ports.messenger.send(build_message(payload["to"], Template(WAITING_TEMPLATE, lang)))
    except PermanentError as exc:  # a missing template is an operator's job; the message stays held
        log.error("waiting-message template not sent", extra={"ctx": {"error": type(exc).__name__}})


def handed_off(ports: Ports, row_ids: list[int]) -> bool:
    """Give queued rows to the task queue; False (logged) when it cannot take them now, or there is none."""
    if ports.tasks is None:
        return False
    try:
        ports.tasks.hand_off({"outbox_ids": row_ids})
        return True
    except (TransientError, PermanentError) as exc:  # a refusal is an operator's job; the family still gets it
        level = logging.WARNING if isinstance(exc, TransientError) else logging.ERROR
        log.log(level, "replies not handed off; sent by the webhook or the scheduler",
                extra={"ctx": {"error": type(exc).__name__, "rows": len(row_ids)}})
        return False


class Deferred:
    """A batch's replies that are not sent inline. They are handed to the task queue a task at a time, each
    recipient's rows in one task and in order; when there is no queue or it refuses, they are sent here while the
    budget lasts, else made due at once for the scheduler's tick."""

    def __init__(self, ports: Ports, budget: Budget, now: datetime):
        self.ports, self.budget, self.now = ports, budget, now
        self.rows: list[int] = []  # not yet handed on
        self.waiting: set[str | None] = set()  # recipients in self.rows
        self.deferred: set[str | None] = set()  # recipients with rows deferred in this batch: their later rows follow
        self.queue_down = ports.tasks is None

    def wants(self, payload: dict) -> bool:
        """Whether a queued message goes this way rather than out at once (see deliver)."""
        return (not self.budget.sending() or payload.get("to") in self.deferred
                or ("chart" in payload and not self.queue_down))

    def add(self, rows: list[tuple[int, dict]]) -> None:
        """Take a turn's remaining rows, in order; a full task is handed on first unless it holds their recipient."""
        recipients: set[str | None] = {payload.get("to") for _, payload in rows}
        if len(self.rows) + len(rows) > HANDOFF_ROWS and not recipients & self.waiting:
            self.flush()
        self.rows += [row_id for row_id, _ in rows]
        self.waiting |= recipients
        self.deferred |= recipients

    def flush(self) -> None:
        """Hand on what was collected (see the class docstring)."""
        rows, self.rows, self.waiting = self.rows, [], set()
        # Only someone with dozens of messages in one batch (a backlog after an outage) has more rows than a task
        # takes: theirs are split, and two tasks may run side by side, so their order may slip.
        for at in range(0, len(rows), TASK_ROWS_MAX):
            chunk = rows[at:at + TASK_ROWS_MAX]
            if not self.queue_down and handed_off(self.ports, chunk):
                continue
            self.queue_down = True  # tried once per batch: each try may cost a connect time-out
            for i, row_id in enumerate(chunk):
                if not self.budget.sending():
                    released = self.ports.records.release_handed_off(chunk[i:])
                    log.info("replies left to the scheduler", extra={"ctx": {"rows": released}})
                    break
                # A timed-out task may exist all the same: claim each row before sending it here, so that only one
                # of the two senders sends it.
                send_rows(self.ports, self.ports.records.claim_handed_off([row_id]), self.now)


def send_payload(ports: Ports, payload: dict) -> str:
    """Send what one outbox row holds; returns Meta's message id."""
    try:
        return ports.messenger.send(outgoing_body(ports, payload))
    except WhatsAppPermanent as exc:
        # A chart whose remembered media id Meta no longer keeps (or the local stand-in was reset): upload it once
        # more and send again, rather than lose the picture or the advice it heads.
        if "chart" not in payload or exc.code not in MEDIA_GONE_CODES:
            raise
        return ports.messenger.send(outgoing_body(ports, payload, upload=True))


def outgoing_body(ports: Ports, payload: dict, upload: bool = False) -> dict:
    """The Graph API body an outbox row sends: as queued, headed by its chart when it carries one (drawn and
    uploaded at send time, or reused; `upload` forces a new upload)."""
    if "body" not in payload:  # a chart asked for on its own: the picture is the message
        spec = payload["chart"]
        try:
            return build_message(payload["to"], Image(chart_media(ports, spec, upload), spec["caption"]))
        except TransientError:
            raise
        except Exception:  # a bug in drawing: say so kindly instead of retrying the same failure every tick
            log.exception("chart not drawn; the family is told")
            return build_message(payload["to"], Text(render("sorry_no_chart_now", spec["lang"], name=spec["name"])))
    body = payload["body"]
    if "chart" in payload:  # a result's advice, headed by the child's chart
        try:
            body = with_image_header(body, chart_media(ports, payload["chart"], upload))
        except TransientError:
            raise
        except Exception:  # a bug in drawing must not cost the family the advice: it goes without the picture
            log.exception("chart not drawn; the message goes without it")
    return body


def chart_media(ports: Ports, spec: dict, upload: bool = False) -> str:
    """Meta's media id of the chart a payload describes: drawn and uploaded only the first time the same picture
    is asked for (the content key covers the data, the words and the language), or when `upload` says the
    remembered id is gone."""
    points = [tuple(p) for p in spec["points"]]
    key = charts.chart_key(spec["indicator"], spec["sex"], points, spec["lang"], spec["name"])
    media_id = None if upload else ports.conversations.media_for(key)
    if media_id is None:
        png = charts.render_chart(spec["indicator"], spec["sex"], points, spec["lang"], spec["name"])
        media_id = ports.messenger.upload_media(png)
        ports.conversations.remember_media(key, media_id)
    return media_id
