"""Redis (Memorystore in production): the dashboard's one-time sign-in codes and the limits around them.

Every key starts with `login:` and expires by itself; callers name keys by pseudonyms (wa_hash, a keyed hash of
the address), never by a number. Connection and time-out errors surface as TransientError.
"""
from __future__ import annotations

import threading

import redis

from shared.errors import TransientError

PREFIX = "login:"
# Count one attempt in a fixed window (KEYS[1]) of ARGV[1] seconds; returns the count. The window starts with the
# first attempt; a key that somehow lost its time-out gets one again rather than counting for ever.
_COUNT = """
local n = redis.call('incr', KEYS[1])
if redis.call('ttl', KEYS[1]) < 0 then redis.call('expire', KEYS[1], ARGV[1]) end
return n
"""
# Take the code stored under KEYS[1] if its hash is ARGV[1]: 1, and the code is gone. A wrong hash counts a try
# and the code goes at ARGV[2] tries; 0 then, as for no code at all (expired, used, or never sent).
_TAKE = """
local stored = redis.call('hget', KEYS[1], 'hash')
if not stored then return 0 end
if stored == ARGV[1] then
  redis.call('del', KEYS[1])
  return 1
end
if redis.call('hincrby', KEYS[1], 'tries', 1) >= tonumber(ARGV[2]) then redis.call('del', KEYS[1]) end
return 0
"""


class RedisLoginGuard:
    """The LoginGuard port: counters and codes under `login:` keys, each with a time-out."""

    def __init__(self, url: str, max_connections: int = 8, socket_timeout_s: float = 5):
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

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise TransientError(f"Redis unavailable: {type(exc).__name__}") from exc

    def _script(self, source: str):
        """A registered Lua script: sent by its SHA (EVALSHA), and loaded again only if Redis lost it."""
        script = self._scripts.get(source)
        if script is None:  # two threads may both register it: harmless, the SHA is the same
            script = self._scripts[source] = self.client().register_script(source)
        return script

    def allow(self, bucket: str, limit: int, window_s: int) -> bool:
        """Count one attempt in `bucket`; False once `limit` attempts were made within `window_s` (a fixed window
        from the first attempt: one round trip, atomic)."""
        count = self._call(self._script(_COUNT), keys=(_key(bucket),), args=(int(window_s),))
        return int(count) <= limit

    def put_code(self, key: str, code_hash: str, ttl_s: int) -> None:
        """Store the code (its keyed hash) for `key`, replacing an earlier one and its failed tries."""
        name = _key(key)
        pipe = self.client().pipeline(transaction=True)  # MULTI/EXEC: never a code without its time-out
        pipe.delete(name)
        pipe.hset(name, mapping={"hash": code_hash, "tries": 0})
        pipe.expire(name, int(ttl_s))
        self._call(pipe.execute)

    def take_code(self, key: str, code_hash: str, max_tries: int) -> bool:
        """True once when the hash matches an unexpired code (which is then gone); a wrong one counts a try, and
        after max_tries the code is gone."""
        return bool(self._call(self._script(_TAKE), keys=(_key(key),), args=(code_hash, int(max_tries))))


def _key(name: str) -> str:
    """A key of this guard: refused unless it is one of the `login:` keys (their retention is documented)."""
    if not isinstance(name, str) or not name.startswith(PREFIX) or len(name) <= len(PREFIX):
        raise ValueError(f"login keys start with {PREFIX!r}")
    return name
