"""Health: whether the stores a function depends on answer, for /healthz and the scheduled functions."""
from __future__ import annotations

import logging

from shared.errors import TransientError
from shared.ports import Conversations, Records

log = logging.getLogger(__name__)


def check_health(records: Records, conversations: Conversations) -> dict:
    """{'ok': bool, 'postgres': 'ok'|'down', 'redis': 'ok'|'down'}; never raises for a store that is down."""
    result: dict[str, str | bool] = {}
    for name, store in (("postgres", records), ("redis", conversations)):
        try:
            result[name] = "ok" if store.ping() else "down"
        except TransientError:
            log.warning("store down", extra={"ctx": {"store": name}})
            result[name] = "down"
    result["ok"] = all(v == "ok" for v in result.values())
    return result
