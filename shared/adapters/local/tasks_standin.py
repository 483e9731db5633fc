"""A local stand-in for the Cloud Tasks REST API v2 (createTask, HTTP targets) for `make run`, benchmarks and tests.

It validates createTask like Google, answers Google's error shape, and dispatches each task to its URL from background
workers with Cloud Tasks' headers, retrying any non-2xx with backoff. Control routes live under /_standin/. Never
deployed; production talks to Cloud Tasks.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Flask, jsonify, request

from shared.adapters.http_pool import HttpPool

# Contract figures from the Cloud Tasks v2 reference (Task, HttpRequest) and its quotas page.
METHODS = {"POST", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"}  # the HttpMethod enum
BODY_METHODS = {"POST", "PUT", "PATCH"}  # "A request body is allowed only if the HTTP method is POST, PUT, or PATCH"
TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,500}")  # TASK_ID: letters, numbers, hyphens, underscores; at most 500
MAX_URL_CHARS = 2083
MAX_TASK_BYTES = 1024 * 1024  # maximum task size: 1 MB
MAX_AHEAD_S = 30 * 24 * 3600  # scheduleTime at most 30 days ahead
DEADLINE = re.compile(r"(\d+)(\.\d{1,9})?s")  # a protobuf Duration in JSON, e.g. "600s"
DEFAULT_DEADLINE_S = 600  # HTTP tasks: 10 minutes unless dispatchDeadline says otherwise (15 s to 30 min)
TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")  # RFC 3339
TASK_FIELDS = {"name", "httpRequest", "scheduleTime", "dispatchDeadline"}
REQUEST_FIELDS = {"url", "httpMethod", "headers", "body", "oidcToken", "oauthToken"}
REPLACED_HEADERS = {"host", "content-length", "user-agent", "authorization"}  # set by Cloud Tasks at dispatch
SERVICE_PREFIXES = ("x-cloudtasks-", "x-google-", "x-appengine-")
LOCAL_OIDC_TOKEN = "local-oidc-token"  # stands for the ID token Google would sign as the task's service account
STATUS_NAMES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 409: "ALREADY_EXISTS"}


class ApiError(Exception):
    """A request Cloud Tasks would refuse: becomes Google's JSON error answer."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(value: object, where: str) -> float:
    match = TIME.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise _bad(f"Invalid value at '{where}' (type.googleapis.com/google.protobuf.Timestamp): {value!r}")
    text = f"{match[1]}.{(match[2] or '0')[:6].ljust(6, '0')}{'+00:00' if match[3] == 'Z' else match[3]}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise _bad(f"Invalid value at '{where}': {value!r} is not a valid time") from None


@dataclass
class _Task:
    """One created task and its dispatch history."""

    name: str
    url: str
    method: str
    headers: dict
    body: bytes
    oidc: dict | None
    schedule_at: float  # epoch seconds
    created_at: float
    deadline: str
    attempts: int = 0
    responses: int = 0  # answers other than 5xx (X-CloudTasks-TaskExecutionCount counts only those)
    last_status: int | None = None
    last_error: str = ""
    next_at: float = 0.0
    in_flight: bool = False
    done: bool = False
    given_up: bool = False

    def resource(self, view: str) -> dict:
        """The Task resource as createTask answers it (BASIC leaves out the body)."""
        req = {"url": self.url, "httpMethod": self.method, "headers": dict(self.headers)}
        if self.oidc:
            req["oidcToken"] = dict(self.oidc)
        if view == "FULL" and self.body:
            req["body"] = base64.b64encode(self.body).decode("ascii")
        return {"name": self.name, "httpRequest": req, "scheduleTime": _rfc3339(self.schedule_at),
                "createTime": _rfc3339(self.created_at), "dispatchDeadline": self.deadline,
                "dispatchCount": self.attempts, "responseCount": self.responses, "view": view}

    def summary(self) -> dict:
        """What /_standin/tasks shows: the body decoded as JSON when it is JSON."""
        try:
            body = json.loads(self.body) if self.body else None
        except ValueError:
            body = self.body.decode("utf-8", "replace")
        return {"name": self.name, "url": self.url, "method": self.method, "body": body, "headers": self.headers,
                "schedule_time": _rfc3339(self.schedule_at), "attempts": self.attempts,
                "last_status": self.last_status, "last_error": self.last_error, "done": self.done,
                "given_up": self.given_up}


class _Store:
    """The tasks and the workers that dispatch them, behind one condition (the server is threaded)."""

    def __init__(self, hold: bool, max_attempts: int, first_backoff_s: float, workers: int):
        self.hold, self.max_attempts, self.first_backoff_s = hold, max_attempts, first_backoff_s
        self.cond = threading.Condition()
        self.tasks: dict[str, _Task] = {}
        self._worker_count = workers
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self._http = HttpPool(connect_timeout_s=5.0, read_timeout_s=DEFAULT_DEADLINE_S)

    def reset(self) -> None:
        """Forget every task (a delivery in flight finishes, unrecorded)."""
        with self.cond:
            self.tasks = {}
            self.cond.notify_all()

    def add(self, task: _Task) -> None:
        """Keep a new task and wake a worker; a name already used is refused like Google (409)."""
        with self.cond:
            if task.name in self.tasks:
                raise ApiError(409, "Requested entity already exists")
            task.next_at = task.schedule_at
            self.tasks[task.name] = task
            if not self.hold and not self._workers:
                for i in range(self._worker_count):
                    worker = threading.Thread(target=self._work, name=f"tasks-standin-{i}", daemon=True)
                    worker.start()
                    self._workers.append(worker)
            self.cond.notify_all()

    def snapshot(self) -> list[dict]:
        """Every task as /_standin/tasks lists it, oldest first."""
        with self.cond:
            return [t.summary() for t in self.tasks.values()]

    def wait_idle(self, timeout_s: float = 5.0) -> bool:
        """Wait until no task awaits dispatch (all answered 2xx or given up); False if timeout_s passed first."""
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while any(self._pending(t) for t in self.tasks.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def stop(self) -> None:
        """Stop the workers (tests, at teardown)."""
        with self.cond:
            self._stopping = True
            self.cond.notify_all()
        for worker in self._workers:
            worker.join(5)

    def _pending(self, task: _Task) -> bool:
        return not (self.hold or task.done or task.given_up)

    def _next_due(self) -> tuple[_Task, dict] | None:
        """Under the lock: the earliest due task, marked in flight, with its headers; None when stopping."""
        while not self._stopping:
            ready = [t for t in self.tasks.values() if self._pending(t) and not t.in_flight]
            wait = None
            if ready:
                task = min(ready, key=lambda t: t.next_at)
                wait = task.next_at - time.time()
                if wait <= 0:
                    task.in_flight = True
                    return task, self._headers(task)
            self.cond.wait(wait)
        return None

    def _headers(self, task: _Task) -> dict:
        queue, _, task_id = task.name.partition("/queues/")[2].partition("/tasks/")
        headers = {k: v for k, v in task.headers.items()
                   if k.lower() not in REPLACED_HEADERS and not k.lower().startswith(SERVICE_PREFIXES)}
        headers.update({"User-Agent": "Google-Cloud-Tasks", "X-CloudTasks-QueueName": queue,
                        "X-CloudTasks-TaskName": task_id, "X-CloudTasks-TaskRetryCount": str(task.attempts),
                        "X-CloudTasks-TaskExecutionCount": str(task.responses),
                        "X-CloudTasks-TaskETA": f"{task.schedule_at:.6f}"})
        if task.last_status is not None:
            headers["X-CloudTasks-TaskPreviousResponse"] = str(task.last_status)
        if task.oidc:
            headers["Authorization"] = f"Bearer {LOCAL_OIDC_TOKEN}"
        return headers

    def _work(self) -> None:
        while True:
            with self.cond:
                picked = self._next_due()
            if picked is None:
                return
            task, headers = picked
            try:
                status, error = self._http.request(task.method, task.url, task.body, headers)[0], ""
            except Exception as exc:  # noqa: BLE001 -- any failure to deliver is a failed attempt, as for Google
                status, error = None, f"{type(exc).__name__}: {exc}"
            with self.cond:
                task.in_flight = False
                task.attempts += 1
                task.last_status, task.last_error = status, error
                if status is not None and status < 500:
                    task.responses += 1
                if status is not None and 200 <= status < 300:
                    task.done = True
                elif task.attempts >= self.max_attempts:
                    task.given_up = True
                else:  # Cloud Tasks retries every non-2xx answer (and no answer) with exponential backoff
                    task.next_at = time.time() + self.first_backoff_s * 2 ** (task.attempts - 1)
                self.cond.notify_all()


# --- Validation of createTask, written from the v2 reference (not from the adapter) --------------------------------

def _object(value: object, where: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise _bad(f"Invalid value at '{where}': must be an object.")
    for key in value:
        if key not in allowed:
            raise _bad(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field.")
    return value


def _new_task(payload: object, parent: str) -> tuple[_Task, str]:
    """The task a createTask body asks for, and the response view; ApiError(400) when Google would refuse it."""
    body = _object(payload, "", {"task", "responseView"})
    view = body.get("responseView", "BASIC")
    if view not in ("BASIC", "FULL", "VIEW_UNSPECIFIED"):
        raise _bad(f"Invalid value at 'response_view': {view!r}")
    task = _object(body.get("task"), "task", TASK_FIELDS)
    req = _object(task.get("httpRequest"), "task.http_request", REQUEST_FIELDS)

    url = req.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_CHARS:
        raise _bad("HttpRequest.url must be an absolute http:// or https:// URL of at most 2083 characters.")
    method = req.get("httpMethod", "POST")
    method = "POST" if method == "HTTP_METHOD_UNSPECIFIED" else method
    if method not in METHODS:
        raise _bad(f"Invalid value at 'task.http_request.http_method': {method!r}")
    headers = req.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise _bad("Invalid value at 'task.http_request.headers': must map header names to strings.")
    data = b""
    if "body" in req:
        raw = req["body"]
        try:  # protobuf JSON takes bytes as standard or URL-safe base64, padded or not
            text = raw.replace("-", "+").replace("_", "/")
            data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (AttributeError, binascii.Error, ValueError):
            raise _bad("Invalid value at 'task.http_request.body' (TYPE_BYTES), Base64 decoding failed.") from None
        if data and method not in BODY_METHODS:
            raise _bad(f"HttpRequest.body is not allowed with HTTP method {method}.")
    if "oidcToken" in req and "oauthToken" in req:
        raise _bad("Only one of oidcToken and oauthToken may be set.")
    if "oauthToken" in req:
        raise _bad("oauthToken (Google APIs as target) is not supported by this stand-in; use oidcToken.")
    oidc = None
    if "oidcToken" in req:
        oidc = _object(req["oidcToken"], "task.http_request.oidc_token", {"serviceAccountEmail", "audience"})
        email = oidc.get("serviceAccountEmail")
        if not isinstance(email, str) or "@" not in email:
            raise _bad("oidcToken.serviceAccountEmail must be a service account email.")
        if not isinstance(oidc.get("audience", ""), str):
            raise _bad("oidcToken.audience must be a string.")

    now = time.time()
    schedule_at = now
    if "scheduleTime" in task:
        schedule_at = max(now, _parse_time(task["scheduleTime"], "task.schedule_time"))
        if schedule_at > now + MAX_AHEAD_S:
            raise _bad("Task.scheduleTime must be at most 30 days in the future.")
    deadline = task.get("dispatchDeadline", f"{DEFAULT_DEADLINE_S}s")
    match = DEADLINE.fullmatch(deadline) if isinstance(deadline, str) else None
    if not match or not 15 <= float(deadline[:-1]) <= 1800:
        raise _bad("Task.dispatchDeadline must be a duration between 15s and 1800s.")

    name = task.get("name")
    if name is None:
        name = f"{parent}/tasks/{secrets.randbelow(9 * 10**18) + 10**18}"  # Google's generated ids are numeric
    elif not isinstance(name, str) or not name.startswith(parent + "/tasks/") \
            or not TASK_ID.fullmatch(name[len(parent) + 7:]):
        raise _bad("Task.name must be formatted as projects/PROJECT_ID/locations/LOCATION_ID/queues/QUEUE_ID/"
                   "tasks/TASK_ID, under the queue of the request.")
    return _Task(name=name, url=url, method=method, headers=dict(headers), body=data, oidc=oidc,
                 schedule_at=schedule_at, created_at=now, deadline=deadline), view


# --- The app -------------------------------------------------------------------------------------------------------

def make_app(hold: bool = False, max_attempts: int = 5, first_backoff_s: float = 0.1, queues=None,
             workers: int = 4) -> Flask:
    """The stand-in as a Flask app.

    Args:
        hold: record tasks but never dispatch them (a benchmark then measures only the caller).
        max_attempts: dispatch attempts per task before giving up (Cloud Tasks' own default is 100).
        first_backoff_s: wait before the first retry, doubled on each further one.
        queues: full queue names that exist; None accepts any queue (the others answer 404 like Google).
    """
    store = _Store(hold, max_attempts, first_backoff_s, workers)
    known_queues = set(queues) if queues is not None else None
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 2 * MAX_TASK_BYTES  # base64 and JSON around a task at the size limit
    app.extensions["tasks_standin"] = store

    @app.errorhandler(ApiError)
    def refused(exc: ApiError):
        status = STATUS_NAMES.get(exc.code, "UNKNOWN")
        return jsonify({"error": {"code": exc.code, "message": exc.message, "status": status}}), exc.code

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_found(_exc):
        return refused(ApiError(404, f"Requested entity was not found: {request.method} {request.path}"))

    @app.errorhandler(413)
    def too_large(_exc):
        return refused(_bad("Task size too large."))

    @app.post("/v2/projects/<project>/locations/<location>/queues/<queue>/tasks")
    def create_task(project: str, location: str, queue: str):
        parent = f"projects/{project}/locations/{location}/queues/{queue}"
        if known_queues is not None and parent not in known_queues:
            raise ApiError(404, "Requested entity was not found.")
        if len(request.get_data()) > MAX_TASK_BYTES:
            raise _bad("Task size too large.")
        payload = request.get_json(force=True, silent=True)
        if payload is None:
            raise _bad("Invalid JSON payload received.")
        task, view = _new_task(payload, parent)
        store.add(task)
        return jsonify(task.resource("FULL" if view == "FULL" else "BASIC"))

    # --- Control and inspection routes for tests and benchmarks (not part of Google's API) ---------------------

    @app.get("/_standin/health")
    def health():
        return jsonify({"ok": True, "hold": store.hold})

    @app.get("/_standin/tasks")
    def tasks():
        return jsonify({"tasks": store.snapshot()})

    @app.post("/_standin/reset")
    def reset():
        store.reset()
        return jsonify({"ok": True})

    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in until interrupted (threaded: createTask calls come from several webhook threads)."""
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description="Local stand-in for the Cloud Tasks REST API v2 (HTTP targets).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--hold", action="store_true", help="record tasks without dispatching them")
    parser.add_argument("--max-attempts", type=int, default=5, help="dispatch attempts per task before giving up")
    args = parser.parse_args(argv)
    app = make_app(hold=args.hold, max_attempts=args.max_attempts)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
