"""Exactly once through crashes and big batches, on real PostgreSQL and Redis: the Redis claim is a short lease and
PostgreSQL's record the permanent one; a reply is marked sent before the next goes out; past the send budget the
replies go to the task queue (or the scheduler), every message still answered once and in order."""
import math
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from shared.errors import TransientError
from shared.services import delivery
from shared.services.conversation import CONSENT_VERSION
from shared.services.delivery import deliver_due, send_rows
from shared.services.inbound import handle_updates
from shared.whatsapp.webhook import Updates
from tests.integration.conftest import Chat, RecordingMessenger

pytestmark = pytest.mark.integration

NOW = datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc)
# Numbers no other test uses: test runs at the same time may share a Redis database.
WA, OTHER = "6281277700001", "6281277700002"
QUICK_ENTRY = "cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025"


class Crash(BaseException):
    """What a killed instance looks like from inside: no handler catches it, so nothing is committed or given back."""


class CrashingRecords:
    """The records port, dying inside a message's transaction right after its id was recorded (once)."""

    def __init__(self, records):
        self.records, self.armed = records, True

    def __getattr__(self, name):
        return getattr(self.records, name)

    @contextmanager
    def transaction(self):
        with self.records.transaction() as tx:
            yield CrashingUnit(tx, self)


class CrashingUnit:
    def __init__(self, tx, owner):
        self.tx, self.owner = tx, owner

    def __getattr__(self, name):
        return getattr(self.tx, name)

    def begin_message(self, *args, **kwargs):
        arrival = self.tx.begin_message(*args, **kwargs)
        if self.owner.armed:
            self.owner.armed = False
            raise Crash()
        return arrival


@pytest.fixture
def chat(ports) -> Chat:
    return Chat(ports, wa_id=WA)


def _consented(ports, chat: Chat) -> None:
    ports.records.run("INSERT INTO guardians (wa_id, consent_at, consent_version) VALUES (%s, now(), %s)",
                      (chat.wa_id, CONSENT_VERSION))


def _up_to_the_result(chat: Chat):
    """Walk a consented parent to the last question of a measurement; returns the message that gives the result."""
    assert chat.say(QUICK_ENTRY) == ["ask_child_name"]
    chat.say("Ani")
    chat.say(reply_id="skip")
    assert chat.say(reply_id="skip") == ["ask_oedema"]
    return chat.message(reply_id="no")


def _count(ports, sql: str, *params) -> int:
    return ports.records.run(sql, params)[0][0]


# --- the claim is a lease, PostgreSQL decides ------------------------------------------------------------------------

def test_the_claim_is_a_short_lease_not_meta_s_seven_days(chat, ports):
    """A handled message's Redis claim runs out within a couple of minutes; the permanent record is PostgreSQL's."""
    msg = chat.message("Halo")

    handle_updates(ports, Updates(messages=(msg,)), chat.now)

    assert 0 < ports.conversations.client().ttl(f"claim:{msg.wamid}") <= 120
    assert _count(ports, "SELECT count(*) FROM inbound_messages WHERE wamid = %s", msg.wamid) == 1


def test_a_crash_between_claim_and_commit_is_processed_by_the_redelivery_after_the_lease(ports):
    """Killed after the claim, before the commit: nothing is stored; Meta's redelivery once the lease ran out is
    processed as new, exactly once: one measurement, one result, and a later redelivery changes nothing."""
    chat = Chat(ports, wa_id=WA)
    _consented(ports, chat)
    msg = _up_to_the_result(chat)
    sent_before = len(ports.messenger.sent)

    with pytest.raises(Crash):
        handle_updates(replace(ports, records=CrashingRecords(ports.records)), Updates(messages=(msg,)), chat.now)
    assert _count(ports, "SELECT count(*) FROM inbound_messages WHERE wamid = %s", msg.wamid) == 0
    # The lease runs out (Meta keeps redelivering for days): Redis drops the key at its time-out, as here.
    ports.conversations.client().delete(f"claim:{msg.wamid}")
    handle_updates(ports, Updates(messages=(msg,)), chat.now)
    handle_updates(ports, Updates(messages=(msg,)), chat.now)

    assert _count(ports, "SELECT count(*) FROM measurements") == 1
    assert _count(ports, "SELECT count(*) FROM inbound_messages WHERE wamid = %s", msg.wamid) == 1
    result = ports.messenger.sent[sent_before:]
    assert len(result) == 2 and "Ani" in result[0][1].body  # the categories, then the advice: once each


def test_a_redelivery_within_the_lease_of_a_message_never_committed_is_not_acknowledged(chat, ports):
    """Meta's quick retry after a crash finds the claim but no record: it asks for another redelivery (503)
    instead of answering 200 for a message nobody handled; the other people in the batch are handled, and the
    crashed person's later message waits with it, so their order holds."""
    _consented(ports, chat)
    msg = _up_to_the_result(chat)
    later = chat.message("MENU")
    other = Chat(ports, wa_id=OTHER).message("Halo")
    with pytest.raises(Crash):
        handle_updates(replace(ports, records=CrashingRecords(ports.records)), Updates(messages=(msg,)), chat.now)
    sent_before = len(ports.messenger.sent)

    with pytest.raises(TransientError):
        handle_updates(ports, Updates(messages=(msg, later, other)), chat.now)

    assert [to for to, _ in ports.messenger.sent[sent_before:]] == [OTHER]
    assert _count(ports, "SELECT count(*) FROM inbound_messages WHERE wamid IN (%s, %s)", msg.wamid,
                  later.wamid) == 0


def test_a_redelivery_within_the_lease_of_a_committed_message_only_sends_what_is_pending(chat, ports):
    """The usual redelivery (Meta did not get our 200): answered from the claim and the record, no second reply."""
    msg = chat.message("Halo")
    handle_updates(ports, Updates(messages=(msg,)), chat.now)

    handle_updates(ports, Updates(messages=(msg,)), chat.now)

    assert len(ports.messenger.sent) == 1


# --- the reverse window: sent, then a crash before it is marked ------------------------------------------------------

class WatchingMessenger(RecordingMessenger):
    """Notes, before each send, how many sends PostgreSQL already has marked done; can die on a given send."""

    def __init__(self, records):
        super().__init__()
        self.records, self.done_before, self.crash_on = records, [], None

    def send(self, body):
        self.done_before.append(self.records.run(
            "SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NOT NULL")[0][0])
        if self.crash_on == len(self.done_before):
            raise Crash()
        return super().send(body)


def test_each_reply_is_marked_sent_before_the_next_goes_out(chat, ports):
    """A turn with two messages marks the first done before sending the second, so a crash in between repeats
    at most the one message in flight: after the lease only the second goes out."""
    messenger = WatchingMessenger(ports.records)
    ports = chat.ports = replace(ports, messenger=messenger)
    _consented(ports, chat)
    msg = _up_to_the_result(chat)
    done, sends = messenger.done_before[-1], len(messenger.done_before)
    messenger.crash_on = sends + 2

    with pytest.raises(Crash):
        handle_updates(ports, Updates(messages=(msg,)), chat.now)

    assert messenger.done_before[-2:] == [done + 1, done + 2]  # the first of the two was marked before the second
    ports.records.run("UPDATE outbox SET next_attempt_at = now() WHERE done_at IS NULL AND kind = 'send'")  # lease over
    assert deliver_due(ports, chat.now) == 1
    assert len(messenger.sent) == sends + 2  # the first once, the one in flight once more
    assert messenger.sent[-2][1] != messenger.sent[-1][1]


# --- the time budget --------------------------------------------------------------------------------------------------

class Clock:
    """A monotonic clock that moves only when told (each send to the Graph API takes 200 ms)."""

    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class SlowMessenger(RecordingMessenger):
    def __init__(self, clock: Clock, send_s: float = 0.2):
        super().__init__()
        self.clock, self.send_s = clock, send_s

    def send(self, body):
        self.clock.t += self.send_s
        return super().send(body)


class RecordingQueue:
    """A TaskQueue that keeps the bodies handed to it, or refuses them all."""

    def __init__(self, fail_with=None):
        self.bodies, self.fail_with, self.calls = [], fail_with, 0

    def hand_off(self, body):
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        self.bodies.append(body)


def _big_batch(ports, singles: int, pairs: int) -> tuple[Updates, dict[str, int]]:
    """singles people say Halo; pairs people say Halo and then tap English (two answers that must stay in order)."""
    messages, expected = [], {}
    for n in range(singles + pairs):
        chat = Chat(ports, wa_id=f"62877{n:08d}")
        messages.append(chat.message("Halo"))
        if n >= singles:
            messages.append(chat.message(reply_id="consent:en"))
        expected[chat.wa_id] = 1 + (n >= singles)
    return Updates(messages=tuple(messages)), expected


def _answers(messenger) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for to, message in messenger.sent:
        out.setdefault(to, []).append(message.body)
    return out


def _all_answered_once_in_order(messenger, expected: dict[str, int]) -> None:
    answers = _answers(messenger)
    assert {to: len(bodies) for to, bodies in answers.items()} == expected  # none lost, none doubled
    for to, bodies in answers.items():
        if expected[to] == 2:
            assert "Apakah Anda setuju?" in bodies[0] and "Do you agree?" in bodies[1]


def test_past_the_send_budget_replies_go_to_the_task_queue_whole_people_in_order(ports):
    """With a 200 ms Graph API, the webhook sends for its budget (less the time kept for the batch's turns), then
    hands the rest to the task queue in tasks that keep each person's rows together and in order; the task endpoint
    sends each exactly once."""
    from shared.services.delivery import SEND_BUDGET_S, TASK_ROWS_MAX, TURN_S, Budget

    clock = Clock()
    ports = replace(ports, messenger=SlowMessenger(clock), tasks=RecordingQueue())
    updates, expected = _big_batch(ports, singles=40, pairs=10)

    handle_updates(ports, updates, NOW, Budget.starting(clock(), clock))

    inline = len(ports.messenger.sent)
    assert inline == math.ceil((SEND_BUDGET_S - TURN_S * len(updates.messages)) / 0.2)  # time kept for the turns
    tasks = ports.tasks.bodies
    assert all(1 <= len(b["outbox_ids"]) <= TASK_ROWS_MAX for b in tasks) and len(tasks) > 1
    owners = [{to for (to,) in ports.records.run("SELECT payload->>'to' FROM outbox WHERE id = ANY(%s)",
                                                 (b["outbox_ids"],))} for b in tasks]
    assert sum(len(o) for o in owners) == len(set().union(*owners))  # nobody's rows split across two tasks
    for body in tasks:  # what services.scheduled.run_task does with each
        send_rows(ports, ports.records.claim_handed_off(body["outbox_ids"]), NOW)
    for body in tasks:  # Cloud Tasks delivering each again sends nothing
        assert send_rows(ports, ports.records.claim_handed_off(body["outbox_ids"]), NOW) == 0
    _all_answered_once_in_order(ports.messenger, expected)


@pytest.mark.parametrize("queue", [None, RecordingQueue(fail_with=TransientError("queue down"))],
                         ids=["no queue", "queue down"])
def test_without_a_working_queue_the_rest_is_released_to_the_scheduler_tick(ports, queue):
    """No task queue, or one that refuses: what did not fit is due at once for the scheduler's tick (the queue is
    tried once per batch, not once per row), and the ticks send every reply once, in order."""
    from shared.services.delivery import Budget

    clock = Clock()
    ports = replace(ports, messenger=SlowMessenger(clock), tasks=queue)
    updates, expected = _big_batch(ports, singles=30, pairs=5)

    handle_updates(ports, updates, NOW, Budget.starting(clock(), clock))

    assert queue is None or queue.calls == 1
    assert _count(ports, "SELECT count(*) FROM outbox WHERE kind = 'send' AND done_at IS NULL "
                         "AND next_attempt_at > now()") == 0  # nothing waits for a lease to run out
    while deliver_due(ports, NOW):  # scheduler ticks
        pass
    _all_answered_once_in_order(ports.messenger, expected)


def test_what_the_webhook_hands_on_fits_the_task_endpoint():
    """A hand-off never carries more rows than the task endpoint takes."""
    from shared.services import scheduled

    assert delivery.HANDOFF_ROWS <= delivery.TASK_ROWS_MAX == scheduled.TASK_ROWS_MAX


def test_past_the_hard_limit_the_batch_asks_for_redelivery_and_loses_nothing(ports):
    """A batch that would run past the turn limit stops between people and answers 503; Meta's redelivery handles
    the rest, and the people already handled are not answered twice."""
    from shared.services.delivery import Budget

    clock = Clock()
    ports = replace(ports, messenger=SlowMessenger(clock, send_s=1.0))
    updates, expected = _big_batch(ports, singles=12, pairs=0)

    with pytest.raises(TransientError):
        handle_updates(ports, updates, NOW, Budget(send_by=100.0, stop_by=5.0, clock=clock))
    handled = len(ports.messenger.sent)
    handle_updates(ports, updates, NOW, Budget(send_by=100.0, stop_by=100.0, clock=clock))

    assert handled == 5
    _all_answered_once_in_order(ports.messenger, expected)
    assert _count(ports, "SELECT count(*) FROM inbound_messages") == 12
