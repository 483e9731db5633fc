"""The kader edits the Sheet's edit trigger pushes to the webhook (apps_script/src/Code.js onKaderEdit), checked
before anything is read from them. Pure: the route (functions/webhook) supplies the clock and the secrets.

POST /sheet-edits, body {"spreadsheet_id", "tab", "rows": [{"row", "values"}], "request_id", "sent_at"}, header
X-Tumbuh-Signature: "sha256=" + hex HMAC-SHA256 of the exact body with SHEET_EDIT_SECRET (a key of its own: the
bridge's key lets Tumbuh write Sheets, this one lets a Sheet write Tumbuh). Like Meta's signature, it is checked in
constant time over the raw bytes; a request older or newer than five minutes, or an id seen before, is refused.
While the key rotates, a push signed with SHEET_EDIT_SECRET_PREVIOUS is taken too: the Script Property changes by hand,
after the webhook knows both keys, so no edit is refused in between.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from shared.sheet import layout

PATH = "/sheet-edits"
SIGNATURE_HEADER = "X-Tumbuh-Signature"
MAX_SKEW_S = 300  # the Apps Script side stamps sent_at; clocks may differ this much either way
REPLAY_TTL_S = 2 * MAX_SKEW_S + 60  # a request id is remembered while its request could still pass the clock check
MAX_ROWS = 500  # one edit spans a few rows; a paste of a whole register is still well under this
_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TABS = tuple(layout.EDITABLE)


@dataclass(frozen=True)
class Push:
    spreadsheet_id: str
    tab: str
    rows: list[dict]
    request_id: str


class Refused(ValueError):
    """A push that is not taken: `answer` is the HTTP reply (text, status)."""

    def __init__(self, text: str, status: int):
        super().__init__(text)
        self.answer = (text, status)


def read_push(body: bytes, signature: str, secrets: tuple[str, ...], now_s: float) -> Push:
    """The push, once its signature (by any one of `secrets`), shape and time are right.

    Args:
        secrets: the keys a push may be signed with (current, then previous); empty ones are skipped, since anyone
            can sign with an empty key, and none left refuses every push.

    Raises:
        Refused: 401 unsigned, 403 wrong signature or stale, 400 not a push.
    """
    if isinstance(secrets, str):  # iterating a str would accept one-character keys
        raise TypeError("secrets must be a tuple of keys, not one str")
    if not signature:
        raise Refused("unauthorized", 401)
    scheme, _, digest = signature.strip().partition("=")
    given = digest.strip().lower().encode("utf-8", "surrogatepass")
    # Every key is compared, in constant time, whichever matches: the time taken says nothing about which one did.
    matches = [hmac.compare_digest(given, hmac.new(key.encode(), body, hashlib.sha256).hexdigest().encode())
               for key in secrets if key]
    if scheme.lower() != "sha256" or not any(matches):
        raise Refused("forbidden", 403)
    try:
        data = json.loads(body)
    except ValueError:
        raise Refused("bad request: not JSON", 400) from None
    if not isinstance(data, dict):
        raise Refused("bad request: not an object", 400)
    sent_at, request_id = data.get("sent_at"), data.get("request_id")
    if not isinstance(sent_at, (int, float)) or isinstance(sent_at, bool) or abs(now_s - sent_at) > MAX_SKEW_S:
        raise Refused("forbidden: stale or undated", 403)
    if not isinstance(request_id, str) or not _REQUEST_ID.fullmatch(request_id):
        raise Refused("bad request: request_id", 400)
    sid, tab, rows = data.get("spreadsheet_id"), data.get("tab"), data.get("rows")
    if not isinstance(sid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", sid):
        raise Refused("bad request: spreadsheet_id", 400)
    if tab not in _TABS:
        raise Refused("bad request: tab", 400)
    if not isinstance(rows, list) or len(rows) > MAX_ROWS or not all(
            isinstance(r, dict) and isinstance(r.get("row"), int) and not isinstance(r.get("row"), bool)
            and r["row"] > 1 and isinstance(r.get("values"), list) and len(r["values"]) <= 64 for r in rows):
        raise Refused("bad request: rows", 400)
    return Push(sid, tab, rows, request_id)
