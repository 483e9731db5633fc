"""Inbound WhatsApp messages, exactly once: claim → record → converse → queue replies → commit → send.

A message id is claimed in Redis (a short lease) and recorded in PostgreSQL (the permanent record) in the same
transaction as every effect of the message and the replies it produces, which go through the outbox; replies are
sent right after commit. A redelivery therefore finds the message recorded and only makes sure its replies went
out. A transient failure rolls everything back and gives the claim back, so Meta's redelivery is processed afresh.
A handler that dies between claim and commit leaves a claim and no record: a redelivery within the lease asks Meta
to come back (503), one after it is processed as new.

Sending, and the reverse window (sent, then a crash before it is marked sent), are in services.delivery; what a
message means is in services.conversation.

One person's messages are handled one at a time (a Redis lock); within a batch in the order Meta stamped them,
and across requests a later-stamped message waits (up to two seconds) for an earlier one that has already
arrived. One that arrives later still can be overtaken, so answers that matter (the consent tap) do not depend
on the order.

A batch answers Meta within a budget (Budget): replies go out inline for SEND_BUDGET_S, less the time its turns
need; the turns after that are still handled, their replies handed to the task queue (or, without one, to the
scheduler's tick), and past TURN_LIMIT_S the rest of the batch is left to Meta's redelivery.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timezone

from shared.errors import TransientError
from shared.events import Event, emit
from shared.flows.messages import DEFAULT_LANGUAGE, render
from shared.logs import wa_hash
from shared.ports import Ports
from shared.services.conversation import CHART_POINTS, RATE_WINDOW_S, Dialogue, child_in_focus
from shared.services.delivery import TURN_S, Budget, Deferred, deliver, send_rows
from shared.whatsapp.outgoing import Text
from shared.whatsapp.payloads import build_message
from shared.whatsapp.webhook import Inbound, Updates

log = logging.getLogger(__name__)

# message.handled outcomes: replies made; handled with nothing to say (a flood muted, a reaction); a redelivery of a
# message handled before; left to Meta's redelivery (claimed, never recorded); a store down (redelivered); a bug.
ANSWERED, SILENT, DUPLICATE, REDELIVERY, TRANSIENT, BUG = "answered", "silent", "duplicate", "redelivery", \
    "transient", "bug"
# Meta's message types (reference/whatsapp.md): anything else is counted as `other`, so the metric's labels stay few.
MESSAGE_KINDS = frozenset({"text", "interactive", "button", "location", "image", "audio", "document", "sticker",
                           "reaction", "video", "contacts", "order", "system", "unsupported"})


class NotRecorded(TransientError):
    """A redelivered message is claimed but not recorded: its handler died before committing (or, having lost the
    person's lock, is still at work). Meta is asked to come back; after the claim's lease it is handled as new."""


def handle_updates(ports: Ports, updates: Updates, now: datetime, budget: Budget | None = None) -> dict:
    """Handle a webhook batch within its budget: statuses, then each person's messages in timestamp order.

    Raises TransientError, so that Meta redelivers the batch (what was done is recorded and not done again), when
    a redelivered message was never committed or when the batch runs past budget.stop_by.
    """
    budget = budget or Budget.starting()
    budget = replace(budget, send_by=budget.send_by - TURN_S * len(updates.messages))
    for st in updates.statuses:
        ports.records.record_status(st.wamid, st.status, datetime.fromtimestamp(st.timestamp, timezone.utc),
                                    st.error_code)
    if updates.errors:
        log.error("webhook carried system errors", extra={"ctx": {"codes": list(updates.errors)}})
    people: OrderedDict[str, list[Inbound]] = OrderedDict()
    for msg in sorted(updates.messages, key=lambda m: m.timestamp):
        people.setdefault(msg.wa_id, []).append(msg)
    later = Deferred(ports, budget, now)
    unrecorded = 0
    try:
        for done, (wa_id, msgs) in enumerate(people.items()):
            if budget.spent():
                log.warning("batch over its time limit; Meta redelivers the rest",
                            extra={"ctx": {"people_done": done, "people_left": len(people) - done}})
                raise TransientError("batch over its time limit")
            with ports.conversations.lock(wa_id, [(m.timestamp, m.wamid) for m in msgs]):
                for msg in msgs:
                    try:
                        handle_message(ports, msg, now, later)
                    except NotRecorded:
                        handled(msg, REDELIVERY, later.budget)
                        unrecorded += 1
                        break  # the person's later messages wait for the redelivery too, so their order holds
                    except TransientError:
                        handled(msg, TRANSIENT, later.budget)
                        raise
                    except Exception:  # a bug: the message's transaction rolled back; say sorry, go on with the batch
                        log.exception("message dropped by a bug", extra={"ctx": {"wa": wa_hash(wa_id),
                                                                                 "kind": msg.kind}})
                        forget_quietly(ports, wa_id)  # do not leave the person stuck at the step that failed
                        apologise(ports, wa_id)
                        handled(msg, BUG, later.budget)
    finally:
        later.flush()
    if unrecorded:
        raise NotRecorded(f"{unrecorded} redelivered message(s) claimed but never recorded")
    return {"messages": len(updates.messages), "statuses": len(updates.statuses)}


def handle_message(ports: Ports, msg: Inbound, now: datetime, later: Deferred | None = None) -> tuple[str, ...]:
    """One message, exactly once in effect (see the module docstring); returns the catalogue keys replied.

    later collects the replies that are not sent inline: the batch's, or by default this message's own, handed on
    before returning. Raises NotRecorded for a redelivery of a message whose handler died before committing.
    """
    if later is None:
        later = Deferred(ports, Budget.starting(), now)
        try:
            return handle_message(ports, msg, now, later)
        finally:
            later.flush()
    try:
        start = ports.conversations.begin_turn(msg.wamid, msg.wa_id, msg.timestamp, RATE_WINDOW_S)
    except TransientError:
        ports.conversations.release(msg.wamid)  # the claim may have been taken before the answer was lost
        raise
    if start is None:  # a redelivery within the claim's lease: PostgreSQL's record says whether it was handled
        if not ports.records.recorded(msg.wamid):
            raise NotRecorded("message claimed but not recorded")
        if later.budget.sending():
            deliver(ports, msg.wamid, now)  # its replies may still be waiting
        handled(msg, DUPLICATE, later.budget)
        return ()
    try:
        with ports.records.transaction() as tx:
            focus = child_in_focus(start.state)
            arrival = tx.begin_message(msg.wamid, wa_hash(msg.wa_id), msg.kind, msg.wa_id, now,
                                       child_id=focus, measurements=CHART_POINTS if focus else 0)
            dialogue = Dialogue(ports, tx, msg, now, arrival, start) if arrival is not None else None
            if dialogue is not None:
                dialogue.run()
        if dialogue is not None:
            dialogue.save_state()
    except TransientError:
        ports.conversations.release(msg.wamid)
        raise
    if dialogue is None:  # recorded already (a redelivery after the lease): only pending replies
        if later.budget.sending():
            deliver(ports, msg.wamid, now)
        handled(msg, DUPLICATE, later.budget)
        return ()
    for tier in dialogue.tiers:  # committed: each result recorded this turn
        emit(log, Event.RESULT_ASSESSED, tier=tier, source="whatsapp")
    send_rows(ports, dialogue.leased, now, later)
    handled(msg, ANSWERED if dialogue.replies else SILENT, later.budget)
    return tuple(r.key for r in dialogue.replies)


def handled(msg: Inbound, outcome: str, budget: Budget) -> None:
    """The message.handled event: its kind (one of Meta's, or `other`), outcome, and milliseconds since the
    webhook received its batch (its inline replies sent, or handed on)."""
    kind = msg.kind if msg.kind in MESSAGE_KINDS else "other"
    emit(log, Event.MESSAGE_HANDLED, kind=kind, outcome=outcome, latency_ms=budget.elapsed_ms())


def forget_quietly(ports: Ports, wa_id: str) -> None:
    """Best effort after a bug: drop the conversation state, so the next message starts fresh."""
    try:
        ports.conversations.forget(wa_id)
    except Exception:
        log.warning("state not dropped after a bug")


def apologise(ports: Ports, wa_id: str, lang: str = DEFAULT_LANGUAGE) -> None:
    """Best effort after a bug: tell the person to try again instead of leaving them unanswered."""
    try:
        ports.messenger.send(build_message(wa_id, Text(render("ask_again_later", lang))))
    except Exception:  # nothing more to do: the bug itself is already logged
        log.warning("apology not sent")

