"""Redis conversations and claims against a real Redis server."""
import threading

import pytest

from shared.adapters.redis_store import RedisConversations
from shared.errors import TransientError

pytestmark = pytest.mark.integration
SENT_AT = 1_700_000_000  # a message's WhatsApp timestamp (Unix seconds): it picks the rate window


def test_concurrent_turns_on_one_message_id_have_exactly_one_winner(redis_url):
    """Eight threads beginning a turn on one id at once: exactly one gets it."""
    store = RedisConversations(redis_url)
    wins = []
    barrier = threading.Barrier(8)

    def begin():
        barrier.wait()
        wins.append(store.begin_turn("wamid.same", "628100", SENT_AT, 60) is not None)

    threads = [threading.Thread(target=begin) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert sorted(wins) == [False] * 7 + [True]


def test_a_released_message_id_begins_a_turn_again(redis_url):
    """After a transient failure the claim is given back so Meta's redelivery is processed."""
    store = RedisConversations(redis_url)
    store.begin_turn("wamid.C", "628100", SENT_AT, 60)

    store.release("wamid.C")

    assert store.begin_turn("wamid.C", "628100", SENT_AT, 60) is not None


def test_state_round_trips_with_unicode_and_expires(redis_url):
    """State is saved as JSON (Indonesian text and emoji intact) and carries a time-out."""
    store = RedisConversations(redis_url)
    state = {"flow": "measure_child", "slots": {"note": "anak sy 👶"}}

    store.save("6281200000001", state, ttl_s=30)

    assert store.load("6281200000001") == state
    assert 0 < store.client().ttl("conv:6281200000001") <= 30
    store.forget("6281200000001")
    assert store.load("6281200000001") is None


def test_unreachable_redis_is_a_transient_error():
    """A Redis that does not answer becomes TransientError (the webhook answers 503)."""
    store = RedisConversations("redis://127.0.0.1:1/0", socket_timeout_s=0.5)

    with pytest.raises(TransientError):
        store.begin_turn("wamid.X", "628100", SENT_AT, 60)


def test_a_later_message_waits_for_an_earlier_one_that_has_arrived(redis_url):
    """With an earlier-stamped message of the same person registered, a later one gets the lock only after it."""
    store = RedisConversations(redis_url)
    order = []

    def earlier():
        with store.lock("6281200000001", [(100, "wamid.early")]):
            order.append("early")

    store.client().zadd("order:6281200000001", {"000000000100:wamid.early": 100})  # arrived, not yet locking
    threading.Timer(0.3, earlier).start()
    with store.lock("6281200000001", [(101, "wamid.late")]):
        order.append("late")

    assert order == ["early", "late"]


def test_an_earlier_message_that_never_comes_delays_a_later_one_at_most_briefly(redis_url):
    """A registered message whose request died holds nobody up for more than the ordering wait (2 s)."""
    import time

    from shared.adapters.redis_store import ORDER_WAIT_S

    store = RedisConversations(redis_url)
    store.client().zadd("order:6281200000002", {"000000000100:wamid.lost": 100})
    started = time.monotonic()

    with store.lock("6281200000002", [(101, "wamid.late")]):
        waited = time.monotonic() - started

    assert ORDER_WAIT_S <= waited < ORDER_WAIT_S + 1


def test_the_lock_is_exclusive(redis_url):
    """Two holders never overlap."""
    store = RedisConversations(redis_url)
    inside, overlaps = [], []

    def hold():
        with store.lock("6281200000003"):
            inside.append(1)
            if len(inside) > 1:
                overlaps.append(1)
            __import__("time").sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=hold) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]

    assert overlaps == []


def test_a_turn_begins_once_per_message_id_and_a_redelivery_is_not_counted(redis_url):
    """begin_turn claims the id with the state read in one round trip; a redelivery gets None and leaves the
    rate count alone (only new messages count towards the flood limit)."""
    from shared.adapters.redis_store import RedisConversations

    store = RedisConversations(redis_url)
    store.save("628111", {"flow": "measure", "step": "weight"})

    first = store.begin_turn("wamid.T1", "628111", SENT_AT, 60)
    again = store.begin_turn("wamid.T1", "628111", SENT_AT, 60)
    second = store.begin_turn("wamid.T2", "628111", SENT_AT, 60)

    assert first.state == {"flow": "measure", "step": "weight"} and first.count == 1 and not first.muted
    assert again is None
    assert second.count == 2


def test_the_rate_window_is_the_one_the_message_was_sent_in(redis_url):
    """Messages count in the window of their own timestamp, whatever this machine's clock says: a message sent
    a minute later starts a new count, and one sent in the first window still counts there."""
    from shared.adapters.redis_store import RedisConversations

    store = RedisConversations(redis_url)
    window = SENT_AT - SENT_AT % 60

    counts = [store.begin_turn(f"wamid.W{n}", "628333", sent_at, 60).count
              for n, sent_at in enumerate([window, window + 59, window + 60, window + 30])]

    assert counts == [1, 2, 1, 3]


def test_a_new_turn_sees_a_mute_and_an_expired_conversation(redis_url):
    """The trace of a conversation whose state timed out reads as expired; a mute reads as muted."""
    from shared.adapters.redis_store import RedisConversations

    store = RedisConversations(redis_url)
    store.save("628222", {"flow": "measure"})
    store.client().delete("conv:628222")  # the state timed out; its trace is kept longer
    store.mute("628222", 60)

    start = store.begin_turn("wamid.T3", "628222", SENT_AT, 60)

    assert start.state is None and start.expired and start.muted
