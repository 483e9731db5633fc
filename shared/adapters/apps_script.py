"""AppsScriptBridge: calls the Sheet bridge web app (apps_script/, deployed with clasp) with signed JSON.

The protocol is the one apps_script/README.md states: POST {"body": <inner JSON>, "sig": <hex HMAC-SHA256 of body>}
with inner {"action", "payload", "request_id", "sent_at"}. Google runs doPost during the POST and answers 302 to a
one-time URL whose GET carries the reply (reference/platform.md): the adapter follows it with a GET and never
POSTs twice for one attempt. Every attempt has a fresh request_id (the bridge refuses a reused one as a replay), so
the actions are idempotent by the row keys in their payloads, and a retried attempt writes nothing twice.

One web app serves every posyandu: each call names the posyandu's spreadsheet by its id. Row writes are split into
batches of at most the web app's limit per call (MAX_ROWS_PER_CALL, which ping reports); a batch that fails after
earlier ones succeeded raises, and the retry of the whole call rewrites those by key, so nothing is duplicated.

Errors: no answer, a 5xx, Apps Script's "Service invoked too many times" page (which comes with status 200), the
bridge's own `internal` (a script-lock time-out among others) are TransientError: the outbox retries with backoff.
A refusal that retrying cannot mend (wrong secret, unknown action, a clock more than 5 minutes off, a spreadsheet
the script cannot open: `bad_spreadsheet`, a layout that differs: `bad_layout`) is a PermanentError naming the
reason; no payload or personal data reaches a log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from shared.adapters.http_pool import HttpBadUrl, HttpPool, HttpUnreachable
from shared.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
BUSY_MARK = b"too many times"  # Apps Script's quota page under bursts, served with status 200
TRANSIENT_ERRORS = frozenset({"internal"})  # the bridge's words for "try again" (a lock time-out, a bug logged)
MAX_ROWS_PER_CALL = 2000  # MAX_ROWS_PER_CALL in apps_script/src/Code.js; ping answers it as max_rows
# setup may write whole WHO tables; Apps Script runs an execution for up to 6 minutes (reference/platform.md).
SETUP_TIMEOUT_S = 6 * 60.0


class BridgeTransient(TransientError):
    """The bridge could not answer now; the same call may be tried again (with a new request id)."""


class BridgePermanent(PermanentError):
    """The bridge refused the call for a reason retrying cannot mend (`reason` says which)."""

    def __init__(self, reason: str):
        super().__init__(f"Sheet bridge refused the call: {reason}")
        self.reason = reason


class AppsScriptBridge:
    """Calls the bridge's actions over one kept-alive connection per thread and host; the SheetSync port."""

    def __init__(self, url: str, secret: str, timeout_s: float = 30.0, *, clock: Callable[[], float] = time.time,
                 max_rows_per_call: int = MAX_ROWS_PER_CALL):
        if not secret:
            raise ValueError("the Sheet bridge needs APPS_SCRIPT_SECRET")
        if not 0 < max_rows_per_call <= MAX_ROWS_PER_CALL:
            raise ValueError(f"max_rows_per_call must be 1..{MAX_ROWS_PER_CALL}, the web app's limit")
        self._url = url
        self._secret = secret.encode()
        self._clock = clock
        self._batch = max_rows_per_call
        # Apps Script runs an action for up to 6 minutes; a batch of rows takes seconds, so 30 s is a stuck call.
        self._http = HttpPool(connect_timeout_s=min(timeout_s, 10.0), read_timeout_s=timeout_s)
        self._slow_http = HttpPool(connect_timeout_s=min(timeout_s, 10.0),
                                   read_timeout_s=max(timeout_s, SETUP_TIMEOUT_S))

    def __repr__(self) -> str:
        return "AppsScriptBridge(<url>)"  # the /exec URL is a capability: anyone holding it can call doPost

    def close(self) -> None:
        """Close this thread's pooled connections."""
        self._http.close()
        self._slow_http.close()

    def ping(self, spreadsheet_id: str | None = None) -> dict:
        """The bridge's health: {"pong": true, "sheet": <that spreadsheet's name, or None without an id>,
        "max_rows": <rows per upsert_rows call>}."""
        return self.call("ping", {} if spreadsheet_id is None else {"spreadsheet_id": spreadsheet_id})

    def setup(self, spreadsheet_id: str | None, title: str, tabs: Sequence[dict], editors: Sequence[str] = (), *,
              create_key: str | None = None, edit_url: str | None = None, time_zone: str | None = None,
              locale: str | None = None) -> dict:
        """Create (spreadsheet_id None) or bring up to date a posyandu's spreadsheet: tabs, headers, protected formula
        columns, validation, sharing and the kader-edit trigger. Idempotent. Returns {"spreadsheet_id", "url",
        "trigger"}; trigger False means the script's 20-trigger limit was hit and only the reconcile sees edits.

        Args:
            tabs: {"name", "headers", "data_width", "formulas" (one "=..." template per formula column, "{r}" for
                the row), "prefill_rows", "validation", "hidden_columns", "frozen_columns", "rows" (static content)},
                as shared.sheet.spec.tabs() makes them; column numbers are 0-based.
            create_key: names what is created (e.g. "posyandu:12"): a setup without an id sent again under the same
                key, after a lost reply, gets the spreadsheet the first one made. Without it every such call creates.
            edit_url: where the kader-edit trigger POSTs (stored as the script property TUMBUH_EDIT_URL).
            time_zone: the posyandu's zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura); a new spreadsheet defaults
                to the script's Asia/Jakarta. Dates typed by kaders are read in this zone.
            locale: e.g. "id_ID", so kaders type 8,5 and dd/mm/yyyy.
        """
        payload: dict[str, Any] = {"title": title, "tabs": list(tabs), "editors": list(editors)}
        optional = {"spreadsheet_id": spreadsheet_id, "create_key": create_key, "edit_url": edit_url,
                    "time_zone": time_zone, "locale": locale}
        payload.update({k: v for k, v in optional.items() if v is not None})
        return self.call("setup", payload, slow=True)

    def upsert_rows(self, spreadsheet_id: str, tab: str, columns: list[str], rows: Sequence[list]) -> dict:
        """Write rows (values in the order of `columns`, the key first) into a tab, replacing rows with the same key:
        {"updated": n, "appended": m}, summed over the batches sent. The columns must be the tab's leftmost ones,
        as its header names them."""
        total = {"updated": 0, "appended": 0}
        for batch in _batches(rows, self._batch):
            result = self.call("upsert_rows", {"spreadsheet_id": spreadsheet_id, "tab": tab, "columns": columns,
                                               "rows": batch})
            total = {k: total[k] + result[k] for k in total}
        return total

    def delete_rows(self, spreadsheet_id: str, tab: str, key_column: str, keys: Sequence) -> dict:
        """Delete the rows with those keys (HAPUS): {"deleted": n}, summed over the batches sent."""
        deleted = 0
        for batch in _batches(keys, self._batch):
            deleted += self.call("delete_rows", {"spreadsheet_id": spreadsheet_id, "tab": tab, "columns": [key_column],
                                                 "keys": batch})["deleted"]
        return {"deleted": deleted}

    def read_rows(self, spreadsheet_id: str, tab: str, columns: list[str]) -> list[dict]:
        """The tab's non-empty data rows, kader-typed ones included: [{"row": <sheet row>, "values": [...]}], dates
        as "yyyy-mm-dd" in the spreadsheet's zone, numbers as numbers. For the periodic reconcile."""
        return self.call("read_rows", {"spreadsheet_id": spreadsheet_id, "tab": tab, "columns": columns})["rows"]

    def changes(self, spreadsheet_id: str, since: int, tabs: Sequence[str] | None = None) -> dict:
        """The rows kaders edited after cursor `since` (0: from the start), as the Sheet's change log has them:
        {"cursor": <the next call's since>, "rows": [{"tab", "row", "values"}] (each row once, its values as they are
        now, formatted as read_rows formats them; emptied rows too), "complete": False when the log no longer
        reaches back to `since`, so the whole Sheet must be compared}. `tabs` keeps only those tabs' rows."""
        payload: dict[str, Any] = {"spreadsheet_id": spreadsheet_id, "since": since}
        if tabs is not None:
            payload["tabs"] = list(tabs)
        return self.call("changes", payload)

    def set_notes(self, spreadsheet_id: str, tab: str, columns: list[str], notes: Sequence[dict]) -> dict:
        """Write notes into a data column and mark rows: each note {"key" | "row", "column", "text", "bad"?,
        "expect"?}; a note by row with "expect" (the row's first values as read_rows gave them) is skipped when the
        row changed since. With "column" the key column, "row" and "expect", it takes a kader-typed row by giving it
        an id. Returns {"written": n, "skipped": ["row 7 changed", ...]}, summed over batches."""
        written, skipped = 0, []
        for batch in _batches(notes, self._batch):
            result = self.call("set_notes", {"spreadsheet_id": spreadsheet_id, "tab": tab, "columns": columns,
                                             "notes": batch})
            written += result["written"]
            skipped += result["skipped"]
        return {"written": written, "skipped": skipped}

    def write_tab(self, spreadsheet_id: str, tab: str, headers: list[str], rows: Sequence[list]) -> dict:
        """Replace everything below the header of a Tumbuh-owned tab (Rekap, Pengingat) in one call, creating the tab
        if needed: {"rows": n, "cleared": m}. Not split: a half-replaced recap would be wrong."""
        return self.call("write_tab", {"spreadsheet_id": spreadsheet_id, "tab": tab, "headers": headers,
                                       "rows": list(rows)}, slow=True)

    def call(self, action: str, payload: dict, *, slow: bool = False) -> Any:
        """Run one action and return its result; raises BridgeTransient or BridgePermanent. `slow` waits up to Apps
        Script's 6-minute limit instead of the usual time-out (setup writing whole tables)."""
        inner = json.dumps({"action": action, "payload": payload, "request_id": uuid.uuid4().hex,
                            "sent_at": int(self._clock())}, ensure_ascii=False, separators=(",", ":"))
        signature = hmac.new(self._secret, inner.encode(), hashlib.sha256).hexdigest()
        envelope = json.dumps({"body": inner, "sig": signature}, ensure_ascii=False).encode()
        http = self._slow_http if slow else self._http
        status, headers, data = self._request(http, "POST", self._url, envelope, {"Content-Type": "application/json"},
                                              action)
        if status in REDIRECTS and headers.get("location"):
            # doPost has already run: the reply waits at a one-time URL that only answers a GET.
            status, headers, data = self._request(http, "GET", headers["location"], b"", {}, action)
        return _result(status, data, action)

    def _request(self, http: HttpPool, method: str, url: str, body: bytes, headers: dict[str, str], action: str):
        try:
            return http.request(method, url, body, headers)
        except HttpBadUrl as exc:
            raise BridgePermanent(f"unusable URL ({exc})") from exc
        except HttpUnreachable as exc:
            # A POST without an answer may have run: the caller's retry is safe because actions are idempotent.
            log.warning("Sheet bridge unreachable", extra={"ctx": {"action": action, "error": str(exc)}})
            raise BridgeTransient(f"Sheet bridge unreachable: {exc}") from exc


def _batches(items: Sequence, size: int) -> list[list]:
    """Consecutive slices of at most `size` items; none for no items (no call is made)."""
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


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
