"""Signed WhatsApp webhook POSTs for the benchmarks: one parent's message as Meta delivers it, signed with the app
secret (X-Hub-Signature-256 over the exact bytes sent). Builds bytes only; sending is each benchmark's own business.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from scripts.simulator import reply_payload, text_payload
from shared.whatsapp.webhook import SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class Signed:
    """One webhook POST, built before a run so the sending client stays cheap."""

    wa_id: str
    wamid: str
    body: bytes
    headers: dict[str, str]


def tap(wa_id: str, phone_number_id: str, wamid: str, choice_id: str, title: str, app_secret: str,
        sent_at: int | None = None) -> Signed:
    """A tapped reply button (choice_id, title) under a wamid of the caller's choosing: recognisable, so the rows a
    run left behind can be counted. sent_at: Meta's timestamp (Unix seconds), now when None."""
    return _signed(reply_payload(wa_id, phone_number_id, "button_reply", choice_id, title), wamid, sent_at,
                   app_secret)


def text(wa_id: str, phone_number_id: str, wamid: str, body: str, app_secret: str,
         sent_at: int | None = None) -> Signed:
    """A text message, otherwise as tap()."""
    return _signed(text_payload(wa_id, phone_number_id, body), wamid, sent_at, app_secret)


def _signed(payload: dict, wamid: str, sent_at: int | None, app_secret: str) -> Signed:
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = wamid
    if sent_at is not None:
        message["timestamp"] = str(sent_at)
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Signed(message["from"], wamid, body,
                  {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, app_secret)})
