"""The WhatsApp Cloud API webhook edge: the GET verification handshake and the POST signature check.

Pure functions over plain values (no Flask, no I/O), so the entry point stays thin and the rules are testable.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"


def answer_challenge(args: Mapping[str, str], verify_token: str) -> tuple[str, int]:
    """Meta's subscribe handshake: the challenge with 200 when mode and token match, else 403."""
    mode = args.get("hub.mode", "")
    token = args.get("hub.verify_token", "")
    challenge = args.get("hub.challenge", "")
    if mode == "subscribe" and challenge and verify_token and hmac.compare_digest(token, verify_token):
        return challenge, 200
    return "forbidden", 403


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends for a body (used by the simulator and tests)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, headers: Mapping[str, str], app_secret: str) -> tuple[str, int] | None:
    """None when the raw body carries Meta's signature; ('unauthorized', 401) if unsigned, ('forbidden', 403) if wrong.

    The HMAC is over the raw bytes (never re-serialised JSON: Meta escapes unicode) and compared in constant time.
    """
    header = headers.get(SIGNATURE_HEADER) or ""
    if not header:
        return "unauthorized", 401
    scheme, _, digest = header.strip().partition("=")
    if scheme.lower() != "sha256" or not digest:
        return "forbidden", 403
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(digest.strip().lower(), expected):
        return "forbidden", 403
    return None


class BadPayload(ValueError):
    """The POST body is not a WhatsApp Cloud API envelope: answered 400, nothing processed."""


def parse_envelope(body: bytes) -> dict:
    """The decoded envelope {'object': 'whatsapp_business_account', 'entry': [...]}, or BadPayload.

    The full schema check and per-message parsing arrive with the conversation work; this keeps malformed
    bodies out (400) today.
    """
    import json

    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPayload("body is not UTF-8 JSON") from exc
    if not isinstance(envelope, dict) or envelope.get("object") != "whatsapp_business_account":
        raise BadPayload("not a whatsapp_business_account envelope")
    if not isinstance(envelope.get("entry"), list):
        raise BadPayload("entry is not a list")
    return envelope


def count_updates(envelope: dict) -> tuple[int, int]:
    """(messages, statuses) across every entry and change of a parsed envelope."""
    messages = statuses = 0
    for entry in envelope.get("entry") or []:
        for change in (entry or {}).get("changes") or [] if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                messages += len(value.get("messages") or [])
                statuses += len(value.get("statuses") or [])
    return messages, statuses
