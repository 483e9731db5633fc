"""AppsScriptBridge: calls the Sheet bridge web app (apps_script/, deployed with clasp) with signed JSON.

The protocol is the one apps_script/README.md states: POST {"body": <inner JSON>, "sig": <hex HMAC-SHA256 of body>}
with inner {"action", "payload", "request_id", "sent_at"}. Google runs doPost during the POST and answers 302 to a
one-time URL whose GET carries the reply (reference/platform.md): the adapter follows it with a GET and never
POSTs twice for one attempt. Every attempt has a fresh request_id (the bridge refuses a reused one as a replay), so
the actions are idempotent by the row keys in their payloads, and a retried attempt writes nothing twice.

Errors: no answer, a 5xx, Apps Script's "Service invoked too many times" page (which comes with status 200), the
bridge's own `internal` (a script-lock time-out among others) are TransientError: the outbox retries with backoff.
A refusal that retrying cannot mend (wrong secret, unknown action, a clock more than 5 minutes off) is a
PermanentError naming the reason; no payload or personal data reaches a log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any, Callable

from shared.adapters.http_pool import HttpBadUrl, HttpPool, HttpUnreachable
from shared.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
BUSY_MARK = b"too many times"  # Apps Script's quota page under bursts, served with status 200
TRANSIENT_ERRORS = frozenset({"internal"})  # the bridge's words for "try again" (a lock time-out, a bug logged)


class BridgeTransient(TransientError):
    """The bridge could not answer now; the same call may be tried again (with a new request id)."""


class BridgePermanent(PermanentError):
    """The bridge refused the call for a reason retrying cannot mend (`reason` says which)."""

    def __init__(self, reason: str):
        super().__init__(f"Sheet bridge refused the call: {reason}")
        self.reason = reason


class AppsScriptBridge:
    """Calls the bridge's actions over one kept-alive connection per thread and host."""

    def __init__(self, url: str, secret: str, timeout_s: float = 30.0, *, clock: Callable[[], float] = time.time):
        if not secret:
            raise ValueError("the Sheet bridge needs APPS_SCRIPT_SECRET")
        self._url = url
        self._secret = secret.encode()
        self._clock = clock
        # Apps Script runs an action for up to 6 minutes; a batch of rows takes seconds, so 30 s is a stuck call.
        self._http = HttpPool(connect_timeout_s=min(timeout_s, 10.0), read_timeout_s=timeout_s)

    def __repr__(self) -> str:
        return "AppsScriptBridge(<url>)"  # the /exec URL is a capability: anyone holding it can call doPost

    def close(self) -> None:
        """Close this thread's pooled connections."""
        self._http.close()

    def ping(self) -> dict:
        """The bridge's health: {"pong": true, "sheet": <the bound spreadsheet's name>}."""
        return self.call("ping", {})

    def upsert_rows(self, tab: str, columns: list[str], rows: list[list]) -> dict:
        """Write rows (values in the order of `columns`, the key first) into a tab, replacing rows with the same key:
        {"updated": n, "appended": m}. The columns must be the tab's leftmost ones, as its header names them."""
        return self.call("upsert_rows", {"tab": tab, "columns": columns, "rows": rows})

    def delete_rows(self, tab: str, key_column: str, keys: list) -> dict:
        """Delete the rows with those keys (HAPUS): {"deleted": n}."""
        return self.call("delete_rows", {"tab": tab, "columns": [key_column], "keys": keys})

    def call(self, action: str, payload: dict) -> Any:
        """Run one action and return its result; raises BridgeTransient or BridgePermanent."""
        inner = json.dumps({"action": action, "payload": payload, "request_id": uuid.uuid4().hex,
                            "sent_at": int(self._clock())}, ensure_ascii=False, separators=(",", ":"))
        signature = hmac.new(self._secret, inner.encode(), hashlib.sha256).hexdigest()
        envelope = json.dumps({"body": inner, "sig": signature}, ensure_ascii=False).encode()
        status, headers, data = self._request("POST", self._url, envelope, {"Content-Type": "application/json"},
                                              action)
        if status in REDIRECTS and headers.get("location"):
            # doPost has already run: the reply waits at a one-time URL that only answers a GET.
            status, headers, data = self._request("GET", headers["location"], b"", {}, action)
        return _result(status, data, action)

    def _request(self, method: str, url: str, body: bytes, headers: dict[str, str], action: str):
        try:
            return self._http.request(method, url, body, headers)
        except HttpBadUrl as exc:
            raise BridgePermanent(f"unusable URL ({exc})") from exc
        except HttpUnreachable as exc:
            # A POST without an answer may have run: the caller's retry is safe because actions are idempotent.
            log.warning("Sheet bridge unreachable", extra={"ctx": {"action": action, "error": str(exc)}})
            raise BridgeTransient(f"Sheet bridge unreachable: {exc}") from exc


def _result(status: int, data: bytes, action: str) -> Any:
    """The action's result from the final answer, or the error it stands for."""
    if status >= 500 or (status == 200 and BUSY_MARK in data.lower()):
        log.warning("Sheet bridge busy", extra={"ctx": {"action": action, "http_status": status}})
        raise BridgeTransient(f"Sheet bridge busy (HTTP {status})")
    if status != 200:
        raise BridgePermanent(f"HTTP {status}")  # 401/403: the deployment's access, or a wrong URL
    try:
        answer = json.loads(data)
    except ValueError:
        raise BridgeTransient("Sheet bridge answered without JSON") from None
    if not isinstance(answer, dict):
        raise BridgePermanent("answer is not a JSON object")
    if answer.get("ok") is True:
        return answer.get("result")
    error = str(answer.get("error") or "no error given")
    if error in TRANSIENT_ERRORS:
        raise BridgeTransient(f"Sheet bridge failed: {error}")
    log.error("Sheet bridge refused a call", extra={"ctx": {"action": action, "error": error}})
    raise BridgePermanent(error)
