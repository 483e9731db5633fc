"""WhatsAppCloudMessenger: sends outgoing messages through Meta's Graph API (or the local stand-in, same URLs).

Meta's error codes become the typed errors of shared.whatsapp.errors; phone numbers and message text never reach a
log (wa_hash only). Payload rules live in shared.whatsapp.payloads, not here.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from shared.adapters.http_pool import HttpBadUrl, HttpPool, HttpUnreachable, multipart
from shared.events import Event, emit
from shared.logs import wa_hash
from shared.whatsapp.errors import (
    AuthFailed,
    InvalidMessage,
    WhatsAppPermanent,
    WhatsAppTransient,
    error_for,
)
from shared.whatsapp.payloads import image_mime

log = logging.getLogger(__name__)

class WhatsAppCloudMessenger:
    """Messenger over the WhatsApp Cloud API: one keep-alive session per warm instance, built on first use."""

    def __init__(self, api_url: str, access_token: str, phone_number_id: str, timeout_s: float = 10):
        self._base = api_url.rstrip("/")  # the Graph base including its version, e.g. .../v21.0
        self._token = access_token
        self._phone_id = phone_number_id
        self._http = HttpPool(connect_timeout_s=min(timeout_s, 5.0), read_timeout_s=timeout_s)  # dead hosts fail fast

    def __repr__(self) -> str:
        return f"WhatsAppCloudMessenger({self._base!r}, phone_number_id={self._phone_id!r})"  # never the token

    def close(self) -> None:
        """Close this thread's pooled connections (tests and scripts; a Cloud Function simply ends)."""
        self._http.close()

    def send(self, body: dict) -> str:
        """Post one message body (built by whatsapp.payloads.build_message) and return Meta's message id."""
        to = body.get("to") if isinstance(body, dict) else None
        if not isinstance(to, str) or not isinstance(body.get("type"), str):
            raise InvalidMessage("a message body names its recipient and type: build it with build_message",
                                 field="body")
        wa = wa_hash(to)
        answer = self._post("messages", body["type"], body=json.dumps(body).encode(), wa=wa)
        try:
            wamid = str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            # Not retried: Meta may have accepted the message, and a retry would send it twice.
            raise WhatsAppPermanent("Graph API answered 2xx without a message id") from None
        emit(log, Event.REPLY_SENT, type=body["type"], wa=wa)
        return wamid

    def upload_media(self, data: bytes, filename: str = "chart.png") -> str:
        """Upload PNG/JPEG bytes (≤ 5 MB) and return Meta's media id, which Meta keeps for 30 days. Not remembered
        here: the caller keeps the id under its own content key, shared by every instance (services.delivery)."""
        mime = image_mime(data)
        body, content_type = multipart({"messaging_product": "whatsapp", "type": mime},
                                       {"file": (filename, bytes(data), mime)})
        answer = self._post("media", "upload", body=body, content_type=content_type)
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise WhatsAppPermanent("Graph API media upload answered without an id")
        return media_id

    def _post(self, endpoint: str, kind: str, body: bytes, wa: str | None = None,
              content_type: str = "application/json") -> dict:
        url = f"{self._base}/{self._phone_id}/{endpoint}"
        ctx: dict[str, Any] = {"type": kind, "wa": wa} if wa else {"type": kind}
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": content_type}
        try:
            status, resp_headers, data = self._http.request("POST", url, body, headers)
        except HttpBadUrl as exc:
            raise WhatsAppPermanent(f"Graph API URL is unusable: {exc}") from exc
        except HttpUnreachable as exc:
            # Timeouts and refused or reset connections. A read timeout may hide a message Meta did send; the
            # caller's retry can then duplicate it, which beats losing a reply.
            emit(log, Event.REPLY_FAILED, words="Graph API unreachable", code="unreachable", transient=True,
                 error=str(exc), **ctx)  # the error is an OSError's type name
            raise WhatsAppTransient(f"Graph API unreachable: {exc}") from exc
        try:
            answer = json.loads(data)
        except ValueError:
            answer = None
        if 200 <= status < 300:
            if not isinstance(answer, dict):
                raise WhatsAppPermanent(f"Graph API answered {status} without JSON")
            return answer
        error = answer.get("error") if isinstance(answer, dict) else None
        refusal = error_for(status, error, _retry_after(resp_headers.get("retry-after")))
        # Meta's message, error_user_title, error_user_msg and error_data.details are free text that can quote the
        # recipient's number or a name from the message: only codes, type names and the trace id are logged (and
        # the formatter withholds any of these that is not a short code).
        meta = error if isinstance(error, dict) else {}
        fields: dict[str, Any] = {
            **ctx, "code": refusal.code, "subcode": meta.get("error_subcode"), "meta_type": meta.get("type"),
            "http_status": status, "error": type(refusal).__name__, "fbtrace_id": refusal.fbtrace_id,
            "transient": isinstance(refusal, WhatsAppTransient)}
        if isinstance(refusal, AuthFailed):
            emit(log, Event.REPLY_FAILED, logging.CRITICAL,
                 words="Graph API refused the access token: every send fails until it is replaced", **fields)
        elif isinstance(refusal, InvalidMessage):
            emit(log, Event.REPLY_FAILED, logging.ERROR,
                 words="Graph API refused a message we built: a payload rule is missing", **fields)
        else:
            emit(log, Event.REPLY_FAILED, words="Graph API refused a send", **fields)
        raise refusal


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (the HTTP-date form is ignored)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None
