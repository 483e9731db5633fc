"""Redis (Memorystore in production): conversation state as JSON with a time-out, and message-id claims.

Connection and time-out errors surface as TransientError so the webhook answers 503 and Meta redelivers.
"""
from __future__ import annotations

import json
import threading

import redis

from shared.errors import TransientError

CLAIM_TTL_S = 7 * 24 * 3600  # Meta redelivers an unacknowledged webhook for up to 7 days
STATE_TTL_S = 24 * 3600  # a conversation left for a day starts fresh (with a short note)


class RedisConversations:
    """Conversation state under `conv:{wa_id}` and one-time claims of WhatsApp message ids."""

    def __init__(self, url: str, max_connections: int = 16, socket_timeout_s: float = 5):
        self._url = url
        self._max = max_connections
        self._timeout = socket_timeout_s
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

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

    def ping(self) -> bool:
        """True when Redis answers."""
        return bool(self._call(self.client().ping))

    def claim(self, message_id: str) -> bool:
        """True only the first time a WhatsApp message id is seen (Meta redelivers)."""
        return bool(self._call(self.client().set, f"claim:{message_id}", "1", nx=True, ex=CLAIM_TTL_S))

    def release(self, message_id: str) -> None:
        """Give a claim back, so a redelivery after a transient failure is processed."""
        self._call(self.client().delete, f"claim:{message_id}")

    def load(self, wa_id: str) -> dict | None:
        """The saved conversation state of one person, or None when none is live."""
        raw = self._call(self.client().get, f"conv:{wa_id}")
        return json.loads(raw) if raw else None

    def save(self, wa_id: str, state: dict, ttl_s: int = STATE_TTL_S) -> None:
        """Save one person's conversation state, restarting its time-out."""
        self._call(self.client().set, f"conv:{wa_id}", json.dumps(state, ensure_ascii=False), ex=ttl_s)

    def forget(self, wa_id: str) -> None:
        """Drop one person's conversation state (cancel, or HAPUS)."""
        self._call(self.client().delete, f"conv:{wa_id}")
