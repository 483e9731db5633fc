"""The WhatsApp Cloud API webhook edge: the GET handshake, the POST signature check, and envelope parsing.

Pure functions over plain values (no Flask, no I/O), so the entry point stays thin and the rules are testable.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Mapping, Protocol

SIGNATURE_HEADER = "X-Hub-Signature-256"


class Headers(Protocol):
    """Request headers looked up by name (Flask's request.headers, which ignore case; a dict in tests)."""

    def get(self, key: str, /) -> str | None: ...


def answer_challenge(args: Mapping[str, str], verify_token: str) -> tuple[str, int]:
    """Meta's subscribe handshake: the challenge with 200 when mode and token match, else 403."""
    mode = args.get("hub.mode", "")
    token = args.get("hub.verify_token", "")
    challenge = args.get("hub.challenge", "")
    # Bytes, not str: compare_digest refuses non-ASCII strings, and a hostile token must be a 403, not an error.
    if mode == "subscribe" and challenge and verify_token and \
            hmac.compare_digest(token.encode("utf-8", "surrogatepass"), verify_token.encode("utf-8")):
        return challenge, 200
    return "forbidden", 403


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends for a body (used by the simulator and tests)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, headers: Headers, app_secret: str) -> tuple[str, int] | None:
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
    if not hmac.compare_digest(digest.strip().lower().encode("utf-8", "surrogatepass"), expected.encode()):
        return "forbidden", 403
    return None


class BadPayload(ValueError):
    """The POST body is not a WhatsApp Cloud API envelope: answered 400, nothing processed."""


@dataclass(frozen=True)
class Inbound:
    """One message a person sent, reduced to what Tumbuh uses (not the sender's WhatsApp profile name)."""

    wamid: str
    wa_id: str
    timestamp: int
    kind: str  # text, interactive, button, location, image, audio, document, sticker, reaction, video, unsupported…
    text: str = ""  # text body, or the title of the tapped button / list row, or a caption
    reply_id: str = ""  # id of the tapped reply button or list row, or a template quick-reply payload
    phone_number_id: str = ""


@dataclass(frozen=True)
class Status:
    """A delivery status of a message Tumbuh sent (sent, delivered, read, failed)."""

    wamid: str
    wa_id: str
    status: str
    timestamp: int
    error_code: int | None = None


@dataclass(frozen=True)
class Updates:
    """Everything in one webhook POST, across every entry and change, in arrival order."""

    messages: tuple[Inbound, ...] = ()
    statuses: tuple[Status, ...] = ()
    errors: tuple[int, ...] = ()  # system-level error codes in value.errors


_STR = {"type": "string"}
# Python's re.search drives jsonschema's "pattern": \Z, not $, so a trailing newline cannot slip through.
_WA_ID = {"type": "string", "pattern": "^[0-9]{6,15}\\Z"}  # E.164 without '+': at most 15 digits (ITU-T E.164)
_MESSAGE_ID = {"type": "string", "pattern": "^[!-~]{1,512}\\Z"}  # Meta's ids are printable ASCII ("wamid.HBgM…")
_KIND = {"type": "string", "pattern": "^[a-z_]{1,64}\\Z"}
_UNIX_TIME = {"type": "string", "pattern": "^[0-9]{1,10}\\Z"}  # seconds; ten digits reach the year 2286
_ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["object", "entry"],
    "properties": {
        "object": {"const": "whatsapp_business_account"},
        "entry": {"type": "array", "items": {
            "type": "object",
            "required": ["changes"],
            "properties": {"changes": {"type": "array", "items": {
                "type": "object",
                "required": ["value"],
                "properties": {"field": _STR, "value": {
                    "type": "object",
                    "properties": {
                        "metadata": {"type": "object", "properties": {"phone_number_id": _STR}},
                        # Meta sends the sender's profile name: accepted, never read (personal data we do not need)
                        "contacts": {"type": "array", "items": {"type": "object", "properties": {
                            "wa_id": _STR, "profile": {"type": "object", "properties": {"name": _STR}}}}},
                        "messages": {"type": "array", "items": {
                            "type": "object",
                            "required": ["from", "id", "timestamp", "type"],
                            "properties": {
                                "from": _WA_ID,
                                "id": _MESSAGE_ID,
                                "timestamp": _UNIX_TIME,
                                "type": _KIND,
                                "text": {"type": "object", "properties": {"body": _STR}},
                                "interactive": {"type": "object", "properties": {"type": _KIND}},
                                "button": {"type": "object", "properties": {"payload": _STR, "text": _STR}},
                            },
                        }},
                        "statuses": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "status"],
                            "properties": {"id": _MESSAGE_ID, "status": _KIND,
                                           "recipient_id": _STR, "timestamp": _UNIX_TIME,
                                           "errors": {"type": "array"}},
                        }},
                        "errors": {"type": "array"},
                    },
                }},
            }}},
        }},
    },
}
_validator = None


def _validate(envelope) -> None:
    global _validator
    if _validator is None:
        from jsonschema import Draft202012Validator  # ~70 ms: loaded on the first POST, not at import

        _validator = Draft202012Validator(_ENVELOPE_SCHEMA)
    if _validator.is_valid(envelope):  # the common case, and cheaper than collecting errors
        return
    error = next(iter(_validator.iter_errors(envelope)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise BadPayload(f"envelope does not match the Cloud API schema at {where}: {error.validator}")


def parse_envelope(body: bytes) -> dict:
    """The decoded, schema-checked envelope, or BadPayload (answered 400 with nothing processed)."""
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadPayload("body is not UTF-8 JSON") from exc
    _validate(envelope)
    return envelope


def parse_updates(envelope: dict) -> Updates:
    """Every message and status across all entries and changes (Meta batches them; never only the first)."""
    messages: list[Inbound] = []
    statuses: list[Status] = []
    errors: list[int] = []
    for entry in envelope["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            phone_number_id = (value.get("metadata") or {}).get("phone_number_id", "")
            for m in value.get("messages") or []:
                messages.append(_inbound(m, phone_number_id))
            for st in value.get("statuses") or []:
                statuses.append(_status(st))
            errors.extend(_codes(value.get("errors")))
    return Updates(tuple(messages), tuple(statuses), tuple(errors))


def _codes(errors) -> list[int]:
    return [e["code"] for e in errors or [] if isinstance(e, dict) and isinstance(e.get("code"), int)]


def _inbound(m: dict, phone_number_id: str) -> Inbound:
    kind = m["type"]
    text = reply_id = ""
    content = m.get(kind)
    body = content if isinstance(content, dict) else {}
    if kind == "text":
        text = (m.get("text") or {}).get("body") or ""
    elif kind == "interactive":
        sub = body.get("type", "")
        chosen = body.get(sub) if isinstance(sub, str) else None
        reply = chosen if isinstance(chosen, dict) else {}
        text, reply_id = str(reply.get("title") or ""), str(reply.get("id") or "")
    elif kind == "button":
        text, reply_id = str(body.get("text") or ""), str(body.get("payload") or "")
    elif kind in ("image", "video", "document"):
        text = str(body.get("caption") or "")
    return Inbound(wamid=m["id"], wa_id=m["from"], timestamp=int(m["timestamp"]), kind=kind,
                   text=text if isinstance(text, str) else "", reply_id=reply_id,
                   phone_number_id=phone_number_id)


def _status(st: dict) -> Status:
    codes = _codes(st.get("errors"))
    ts = st.get("timestamp") or "0"  # the schema admits ASCII digits only, at most ten
    return Status(wamid=st["id"], wa_id=str(st.get("recipient_id") or ""), status=st["status"],
                  timestamp=int(ts), error_code=codes[0] if codes else None)
