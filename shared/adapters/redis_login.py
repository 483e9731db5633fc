"""Redis (Memorystore in production): the dashboard's one-time sign-in codes and the limits around them.

Every key starts with `login:` and expires by itself; callers name keys by pseudonyms (wa_hash, a keyed hash of
the address), never by a number. Connection and time-out errors surface as TransientError.
"""
from __future__ import annotations

from shared.adapters.redis_store import RedisClient

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


class RedisLoginGuard(RedisClient):
    """The LoginGuard port: counters and codes under `login:` keys, each with a time-out."""

    def __init__(self, url: str, max_connections: int = 8, socket_timeout_s: float = 5):
        super().__init__(url, max_connections, socket_timeout_s)

    def allow(self, bucket: str, limit: int, window_s: int) -> bool:
        """Count one attempt in `bucket`; False once `limit` attempts were made within `window_s` (a fixed window
        from the first attempt: one round trip, atomic)."""
        count = self.call(self.script(_COUNT), keys=(_key(bucket),), args=(int(window_s),))
        return int(count) <= limit

    def put_code(self, key: str, code_hash: str, ttl_s: int) -> None:
        """Store the code (its keyed hash) for `key`, replacing an earlier one and its failed tries."""
        name = _key(key)
        pipe = self.client().pipeline(transaction=True)  # MULTI/EXEC: never a code without its time-out
        pipe.delete(name)
        pipe.hset(name, mapping={"hash": code_hash, "tries": 0})
        pipe.expire(name, int(ttl_s))
        self.call(pipe.execute)

    def take_code(self, key: str, code_hash: str, max_tries: int) -> bool:
        """True once when the hash matches an unexpired code (which is then gone); a wrong one counts a try, and
        after max_tries the code is gone."""
        return bool(self.call(self.script(_TAKE), keys=(_key(key),), args=(code_hash, int(max_tries))))


def _key(name: str) -> str:
    """A key of this guard: refused unless it is one of the `login:` keys (their retention is documented)."""
    if not isinstance(name, str) or not name.startswith(PREFIX) or len(name) <= len(PREFIX):
        raise ValueError(f"login keys start with {PREFIX!r}")
    return name
