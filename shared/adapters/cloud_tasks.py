"""CloudTasksQueue: hands a JSON body to another function through the Cloud Tasks REST API (or its local stand-in).

Standard library only (the webhook's cold start): no google-cloud-tasks, no requests. Task bodies never reach a
log or an exception message.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
import time
from urllib.parse import urlsplit

from shared.adapters.http_pool import HttpBadUrl, HttpPool, HttpUnreachable
from shared.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

# The instance's service-account token, as Cloud Run and Cloud Functions serve it (GCE metadata server docs).
METADATA_TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"
TOKEN_MARGIN_S = 60  # refresh a minute early: a token that expires in flight would be refused with a 401
CONNECT_TIMEOUT_S = 3.0  # createTask answers in tens of ms; the webhook must still answer Meta in time
READ_TIMEOUT_S = 5.0
_TRANSIENT_STATUSES = frozenset({408, 429})  # plus every 5xx: Google's advice is to retry these with backoff


class TasksUnavailable(TransientError):
    """Cloud Tasks (or the metadata server) did not take the task now: unreachable, throttled or 5xx."""


class TasksRefused(PermanentError):
    """Cloud Tasks refused the task for good (bad queue, missing permission, malformed request)."""

    def __init__(self, http_status: int, message: str, reason: str = ""):
        super().__init__(f"Cloud Tasks refused the task: HTTP {http_status} {reason or '?'}: {message}")
        self.http_status, self.reason = http_status, reason


def _google_error(data: bytes) -> tuple[str, str]:
    """(message, status) from Google's error body {"error": {"code", "message", "status"}}, or a stand-in text."""
    try:
        error = json.loads(data)["error"]
        return str(error.get("message") or "no message"), str(error.get("status") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return "answer was not Google's error JSON", ""


class CloudTasksQueue:
    """TaskQueue over Cloud Tasks v2: one createTask per hand-off, authenticated as the instance's service account."""

    def __init__(self, api_url: str, queue: str, target_url: str, service_account: str = "",
                 metadata_url: str = METADATA_TOKEN_URL, pool: HttpPool | None = None, *,
                 auth: bool = True, clock=time.monotonic):
        """Build the client; nothing is contacted before the first hand-off.

        Args:
            api_url: REST base including the version, e.g. https://cloudtasks.googleapis.com/v2.
            queue: projects/P/locations/L/queues/Q.
            target_url: where Cloud Tasks POSTs the body (the scheduler function's task endpoint).
            service_account: email Cloud Tasks signs an OIDC token as; empty sends the task unauthenticated.
            auth: send the metadata server's token (Google's API); False for the local stand-in, which the
                composition root decides from the settings (Settings.tasks_backend).
        """
        self._tasks_url = f"{api_url.rstrip('/')}/{queue.strip('/')}/tasks"
        self._target_url = target_url
        self._service_account = service_account
        self._metadata_url = metadata_url
        self._http = pool or HttpPool(connect_timeout_s=CONNECT_TIMEOUT_S, read_timeout_s=READ_TIMEOUT_S)
        self._auth = auth
        target = urlsplit(target_url)
        self._audience = f"{target.scheme}://{target.netloc.rpartition('@')[2]}"  # the service, not the path
        self._clock = clock
        self._lock = threading.Lock()
        self._token: tuple[str, float] | None = None  # (access token, clock time after which it is refreshed)

    def __repr__(self) -> str:
        return f"CloudTasksQueue({self._tasks_url!r}, target={self._target_url!r})"  # never the token

    def close(self) -> None:
        """Close this thread's pooled connections (tests and scripts; a Cloud Function simply ends)."""
        self._http.close()

    def hand_off(self, body: dict) -> None:
        """Create one HTTP task that POSTs `body` as JSON to the target; Cloud Tasks names it (faster than named
        tasks; the caller's database lease already de-duplicates)."""
        http_request = {
            "url": self._target_url,
            "httpMethod": "POST",
            "headers": {"Content-Type": "application/json"},
            "body": base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode("ascii"),
        }
        if self._service_account:
            http_request["oidcToken"] = {"serviceAccountEmail": self._service_account, "audience": self._audience}
        headers = {"Content-Type": "application/json"}
        if self._auth:
            headers["Authorization"] = f"Bearer {self._access_token()}"
        payload = json.dumps({"task": {"httpRequest": http_request}}).encode()
        status, _headers, data = self._request("POST", self._tasks_url, payload, headers)
        if 200 <= status < 300:
            log.debug("task created", extra={"ctx": {"task": _task_name(data)}})
            return
        message, reason = _google_error(data)
        if status >= 500 or status in _TRANSIENT_STATUSES:
            raise TasksUnavailable(f"Cloud Tasks answered HTTP {status} {reason}: {message}")
        if status == 401:
            with self._lock:
                self._token = None  # revoked or expired early: the next hand-off fetches a fresh one
        raise TasksRefused(status, message, reason)

    def _access_token(self) -> str:
        """The instance's OAuth token, fetched from the metadata server and reused until a minute before expiry."""
        with self._lock:  # held while fetching: one fetch an hour, and concurrent turns wait for it, not repeat it
            now = self._clock()
            if self._token and now < self._token[1]:
                return self._token[0]
            status, _headers, data = self._request("GET", self._metadata_url, b"", {"Metadata-Flavor": "Google"})
            if status != 200:
                raise TasksUnavailable(f"metadata server answered HTTP {status} for the access token")
            try:
                answer = json.loads(data)
                token, expires_in = answer["access_token"], float(answer.get("expires_in") or 0)
            except (ValueError, KeyError, TypeError):
                raise TasksUnavailable("metadata server answered without an access token") from None
            if not isinstance(token, str) or not token:
                raise TasksUnavailable("metadata server answered without an access token")
            self._token = (token, now + expires_in - TOKEN_MARGIN_S)
            return token

    def _request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        try:
            return self._http.request(method, url, body, headers)
        except HttpBadUrl as exc:
            raise TasksRefused(0, f"unusable URL: {exc}", "BAD_URL") from exc
        except HttpUnreachable as exc:
            # Refused, reset or timed out. A timed-out task may exist all the same; the caller's lease makes a
            # second one harmless.
            raise TasksUnavailable(f"no answer from {urlsplit(url).hostname}: {exc}") from exc


def _task_name(data: bytes) -> str:
    """The created task's name, for a debug line (a generated id; the body is never logged)."""
    try:
        return str(json.loads(data).get("name", "?"))
    except (ValueError, AttributeError):
        return "?"
