"""Redis (Memorystore in production): conversation state as JSON with a time-out, and message-id leases.

Connection and time-out errors surface as TransientError so the webhook answers 503 and Meta redelivers.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Iterator, Sequence

import redis

from shared.errors import TransientError
from shared.ports import TurnStart
from shared.whatsapp.payloads import MEDIA_REUSE

# A message id's claim is a lease, not the record. It must outlive one message's handling from claim to commit
# (bounded by the person's lock, LOCK_TTL_MS: 15 s), so that a redelivery arriving meanwhile, which may first wait
# up to LOCK_WAIT_S (20 s) for that lock, meets the lease instead of a live handler; a minute covers both with room
# to spare. The permanent record is PostgreSQL's inbound_messages row, written in the message's own transaction:
# after the lease, a redelivery is decided there. Held for Meta's whole 7-day retry window, the claim would
# outlast every retry of a message whose handler died before committing.
CLAIM_LEASE_S = 60
STATE_TTL_S = 24 * 3600  # a conversation left for a day starts fresh (with a short note)
TRACE_TTL_S = 7 * 24 * 3600  # how long we remember that a conversation was left half-way, for that note
MEDIA_TTL_S = int(MEDIA_REUSE.total_seconds())  # an uploaded chart's media id, while Meta still keeps the picture
LOCK_TTL_MS = 15_000  # longer than one message takes to handle; a crashed holder's lock frees itself
ORDER_WAIT_S = 2.0  # how long a later-stamped message waits for an earlier one of the same person
LOCK_WAIT_S = 20.0  # under Meta's webhook time-out budget; past it the caller answers 503 and Meta redelivers
# Take the lock (KEYS[1]) for token ARGV[1] with TTL ARGV[2] ms, having registered this holder's messages
# (score, member pairs from ARGV[4]) in the person's order set (KEYS[2]). With ARGV[3] = 1, the lock is only
# kept when no other holder's earlier-stamped message is waiting. Returns 1 when the lock is ours.
_ACQUIRE = """
local mine = {}
for i = 4, #ARGV, 2 do
  redis.call('zadd', KEYS[2], ARGV[i], ARGV[i + 1])
  mine[ARGV[i + 1]] = true
end
if #ARGV >= 4 then redis.call('expire', KEYS[2], 60) end
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if ARGV[3] == '1' and #ARGV >= 4 then
  local first = redis.call('zrange', KEYS[2], 0, 0)[1]
  if first and not mine[first] then
    redis.call('del', KEYS[1])
    return 0
  end
end
return 1
"""
# Claim a message id (KEYS[1]) for a lease of ARGV[1] seconds; only a new claim counts the message in the rate window
# (KEYS[5], kept ARGV[2] seconds) and reads the state (KEYS[2]), time-out trace (KEYS[3]) and mute (KEYS[4]).
_BEGIN_TURN = """
if not redis.call('set', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return nil end
local count = redis.call('incr', KEYS[5])
redis.call('expire', KEYS[5], ARGV[2])
return {redis.call('get', KEYS[2]) or false, redis.call('exists', KEYS[3]), redis.call('exists', KEYS[4]), count}
"""
# Give the lock back only if we still hold it (our TTL may have run out), and unregister our messages.
_RELEASE = """
for i = 2, #ARGV do redis.call('zrem', KEYS[2], ARGV[i]) end
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisClient:
    """A lazily built, pooled Redis client for one warm instance, with connection and time-out errors raised as
    TransientError and Lua scripts registered once. The Redis adapters build on it."""

    def __init__(self, url: str, max_connections: int = 16, socket_timeout_s: float = 5):
        self._url = url
        self._max = max_connections
        self._timeout = socket_timeout_s
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()
        self._scripts: dict = {}

    def client(self) -> redis.Redis:
        """The shared client, built on first use and reused while the instance stays warm."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    pool = redis.BlockingConnectionPool.from_url(
                        self._url,
                        max_connections=self._max,
                        timeout=self._timeout,
                        socket_timeout=self._timeout,
                        socket_connect_timeout=self._timeout,
                        health_check_interval=30,
                    )
                    self._client = redis.Redis(connection_pool=pool)
        return self._client

    def call(self, fn, *args, **kwargs):
        """fn(*args, **kwargs), a connection or time-out failure raised as TransientError."""
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise TransientError(f"Redis unavailable: {type(exc).__name__}") from exc

    def script(self, source: str):
        """A registered Lua script: sent by its SHA (EVALSHA), and loaded again only if Redis lost it."""
        script = self._scripts.get(source)
        if script is None:  # two threads may both register it: harmless, the SHA is the same
            script = self._scripts[source] = self.client().register_script(source)
        return script


class RedisConversations(RedisClient):
    """Conversation state under `conv:{wa_id}` and short leases on WhatsApp message ids."""

    def __init__(self, url: str, max_connections: int = 16, socket_timeout_s: float = 5,
                 claim_lease_s: int = CLAIM_LEASE_S):
        super().__init__(url, max_connections, socket_timeout_s)
        self._lease_s = claim_lease_s

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self.call(self.client().ping))

    def release(self, message_id: str) -> None:
        """Give a claim back, so a redelivery after a transient failure is processed."""
        self.call(self.client().delete, f"claim:{message_id}")

    @contextmanager
    def lock(self, wa_id: str, pending: Sequence[tuple[int, str]] = ()) -> Iterator[None]:
        """Hold one person's conversation: their messages are handled one at a time.

        pending lists (timestamp, message id) of the messages this holder will handle. While another request
        holds an earlier-stamped message of the same person, this one gives the lock up to it (for at most
        ORDER_WAIT_S), so two messages arriving at once are handled in the order Meta stamped them. Taking and
        giving back the lock are one round trip each (Lua scripts run atomically in Redis).
        """
        keys = (f"lock:{wa_id}", f"order:{wa_id}")
        token = uuid.uuid4().hex
        members: list = []
        for ts, wamid in pending:
            members += [ts, f"{ts:012d}:{wamid}"]
        started = time.monotonic()
        delay = 0.005
        try:
            while True:
                ordered = 1 if time.monotonic() - started <= ORDER_WAIT_S else 0
                if self.call(self.script(_ACQUIRE), keys=keys, args=(token, LOCK_TTL_MS, ordered, *members)):
                    break
                if time.monotonic() - started > LOCK_WAIT_S:
                    raise TransientError("conversation busy for too long")
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
            yield
        finally:
            self.call(self.script(_RELEASE), keys=keys, args=(token, *members[1::2]))

    def begin_turn(self, message_id: str, wa_id: str, sent_at: int, window_s: int) -> TurnStart | None:
        """Lease a message id and, only when the lease is new, count the message in the person's rate window and
        read their state, time-out trace and mute: one round trip (a Lua script). None: the lease is held (the
        message is handled, or in hand, or its handler died within the last CLAIM_LEASE_S).

        The window is the one the message was sent in (sent_at, Unix seconds): a flood is judged by when the
        person typed, so a backlog Meta delivers at once is not one, and the count does not depend on this clock."""
        rate_key = f"rate:{wa_id}:{sent_at // window_s}"
        keys = (f"claim:{message_id}", f"conv:{wa_id}", f"conv-trace:{wa_id}", f"mute:{wa_id}", rate_key)
        got = self.call(self.script(_BEGIN_TURN), keys=keys, args=(self._lease_s, window_s * 2))
        if got is None:
            return None
        raw, trace, muted, count = got
        return TurnStart(json.loads(raw) if raw else None, bool(trace) and not raw, bool(muted), int(count))

    def claim_once(self, key: str, seconds: int) -> bool:
        """True the first time a key is claimed within `seconds` (a signed request's id: a replay gets False)."""
        return bool(self.call(self.client().set, f"once:{key}", "1", nx=True, ex=seconds))

    def mute(self, wa_id: str, seconds: int) -> bool:
        """Stop processing a person's messages for a while; True only when this call started the mute."""
        return bool(self.call(self.client().set, f"mute:{wa_id}", "1", nx=True, ex=seconds))


    def load(self, wa_id: str) -> dict | None:
        """The saved conversation state of one person, or None when none is live."""
        raw = self.call(self.client().get, f"conv:{wa_id}")
        return json.loads(raw) if raw else None

    def save(self, wa_id: str, state: dict, ttl_s: int = STATE_TTL_S) -> None:
        """Save one person's conversation state, restarting its time-out."""
        pipe = self.client().pipeline(transaction=False)  # two independent SETs: no MULTI/EXEC needed
        pipe.set(f"conv:{wa_id}", json.dumps(state, ensure_ascii=False), ex=ttl_s)
        pipe.set(f"conv-trace:{wa_id}", "1", ex=TRACE_TTL_S)
        self.call(pipe.execute)


    def media_for(self, key: str) -> str | None:
        """The media id of a picture already uploaded for this content key (shared by every instance)."""
        raw = self.call(self.client().get, f"media:{key}")
        return raw.decode() if raw else None

    def remember_media(self, key: str, media_id: str) -> None:
        """Remember an uploaded picture's media id for 29 days."""
        self.call(self.client().set, f"media:{key}", media_id, ex=MEDIA_TTL_S)

    def forget(self, wa_id: str) -> None:
        """Drop one person's conversation state (finished, cancelled, or HAPUS)."""
        self.call(self.client().delete, f"conv:{wa_id}", f"conv-trace:{wa_id}")
