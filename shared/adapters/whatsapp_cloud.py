"""WhatsAppCloudMessenger: sends outgoing messages through Meta's Graph API (or the local stand-in, same URLs).

Meta's error codes become the typed errors of shared.whatsapp.errors; phone numbers and message text never reach a
log (wa_hash only). Payload rules live in shared.whatsapp.payloads, not here.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict

import requests

from shared.logs import wa_hash
from shared.whatsapp.errors import (
    AuthFailed,
    InvalidMessage,
    WhatsAppPermanent,
    WhatsAppTransient,
    error_for,
)
from shared.whatsapp.outgoing import Image, Outgoing
from shared.whatsapp.payloads import build_mark_read, build_message, image_mime

log = logging.getLogger(__name__)

MEDIA_REUSE_S = 29 * 24 * 3600  # Meta keeps uploaded media 30 days (reference/whatsapp.md B5); a day of margin
MEDIA_CACHE_MAX = 256  # media ids remembered per warm instance (a chart is a few tens of KB; ids are tiny)
MEDIA_ERROR_CODES = frozenset({100, 131053})  # invalid parameter / media upload error: a stale media id is resent


class WhatsAppCloudMessenger:
    """Messenger over the WhatsApp Cloud API: one keep-alive session per warm instance, built on first use."""

    def __init__(self, api_url: str, access_token: str, phone_number_id: str, timeout_s: float = 10,
                 session: requests.Session | None = None, *, clock=time.time):
        self._base = api_url.rstrip("/")  # the Graph base including its version, e.g. .../v21.0
        self._token = access_token
        self._phone_id = phone_number_id
        self._timeout = (min(timeout_s, 5.0), timeout_s)  # (connect, read): a dead host should fail fast
        self._session = session
        self._lock = threading.Lock()
        self._clock = clock
        self._media: OrderedDict[str, tuple[str, float]] = OrderedDict()  # sha256 of bytes -> (media id, uploaded at)

    def __repr__(self) -> str:
        return f"WhatsAppCloudMessenger({self._base!r}, phone_number_id={self._phone_id!r})"  # never the token

    def session(self) -> requests.Session:
        """The shared HTTP session (connection pool kept alive while the instance stays warm)."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = requests.Session()
        return self._session

    def close(self) -> None:
        """Close the pooled connections (tests and scripts; a Cloud Function simply ends)."""
        if self._session is not None:
            self._session.close()

    def send(self, to: str, msg: Outgoing) -> str:
        """Send one message and return its wamid; an Image is uploaded first (or its cached media id reused)."""
        if isinstance(msg, Image):
            return self._send_image(to, msg)
        return self._send_body(to, build_message(to, msg))

    def mark_read(self, message_id: str, typing: bool = False) -> None:
        """Mark an inbound message read (blue ticks), optionally with a typing indicator until the reply."""
        self._post("messages", "read", json=build_mark_read(message_id, typing=typing))

    def upload_media(self, data: bytes, filename: str = "chart.png") -> str:
        """Upload PNG/JPEG bytes (≤ 5 MB) and return Meta's media id (reused for 29 days for the same bytes)."""
        mime = image_mime(data)
        key = hashlib.sha256(data).hexdigest()
        now = self._clock()
        with self._lock:
            hit = self._media.get(key)
            if hit and now - hit[1] < MEDIA_REUSE_S:
                self._media.move_to_end(key)
                return hit[0]
        answer = self._post("media", "upload",
                            files={"file": (filename, bytes(data), mime)},
                            data={"messaging_product": "whatsapp", "type": mime})
        media_id = answer.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise WhatsAppPermanent("Graph API media upload answered without an id")
        with self._lock:
            self._media[key] = (media_id, now)
            self._media.move_to_end(key)
            while len(self._media) > MEDIA_CACHE_MAX:
                self._media.popitem(last=False)
        return media_id

    def _send_image(self, to: str, msg: Image) -> str:
        build_message(to, msg, media_id="unchecked")  # refuse a bad caption or number before uploading anything
        key = hashlib.sha256(msg.png).hexdigest()
        was_cached = key in self._media
        media_id = self.upload_media(msg.png, msg.filename)
        try:
            return self._send_body(to, build_message(to, msg, media_id))
        except WhatsAppPermanent as exc:
            # A remembered id Meta no longer knows (expired, or the stand-in was reset): upload once more, resend.
            if not (was_cached and exc.code in MEDIA_ERROR_CODES):
                raise
            with self._lock:
                self._media.pop(key, None)
            media_id = self.upload_media(msg.png, msg.filename)
            return self._send_body(to, build_message(to, msg, media_id))

    def _send_body(self, to: str, body: dict) -> str:
        answer = self._post("messages", body["type"], json=body, wa=wa_hash(to))
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            # Not retried: Meta may have accepted the message, and a retry would send it twice.
            raise WhatsAppPermanent("Graph API answered 2xx without a message id") from None

    def _post(self, endpoint: str, kind: str, wa: str | None = None, **kwargs) -> dict:
        url = f"{self._base}/{self._phone_id}/{endpoint}"
        ctx = {"kind": kind, "wa": wa} if wa else {"kind": kind}
        try:
            resp = self.session().post(url, headers={"Authorization": f"Bearer {self._token}"},
                                       timeout=self._timeout, **kwargs)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise WhatsAppPermanent(f"Graph API URL is unusable: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            # Timeouts and refused or reset connections. A read timeout may hide a message Meta did send; the
            # caller's retry can then duplicate it, which beats losing a reply.
            log.warning("Graph API unreachable", extra={"ctx": {**ctx, "error": type(exc).__name__}})
            raise WhatsAppTransient(f"Graph API unreachable: {type(exc).__name__}") from exc
        try:
            answer = resp.json()
        except ValueError:
            answer = None
        if 200 <= resp.status_code < 300:
            if not isinstance(answer, dict):
                raise WhatsAppPermanent(f"Graph API answered {resp.status_code} without JSON")
            return answer
        error = answer.get("error") if isinstance(answer, dict) else None
        exc = error_for(resp.status_code, error, _retry_after(resp.headers.get("Retry-After")))
        fields = {**ctx, "code": exc.code, "http_status": resp.status_code, "error": type(exc).__name__,
                  "fbtrace_id": exc.fbtrace_id}
        if isinstance(exc, AuthFailed):
            log.critical("Graph API refused the access token: every send fails until it is replaced",
                         extra={"ctx": fields})
        elif isinstance(exc, InvalidMessage):
            log.error("Graph API refused a message we built: a payload rule is missing", extra={"ctx": fields})
        else:
            log.warning("Graph API refused a send", extra={"ctx": fields})
        raise exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (the HTTP-date form is ignored)."""
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None
    return seconds if seconds and seconds > 0 else None
