"""A local stand-in for the Cloud Tasks REST API v2 for `make run`, benchmarks and tests: createTask of the tasks
CloudTasksQueue creates (unnamed HTTP POST tasks, due at once, optionally with an OIDC token).

It validates those fields like Google, refuses any other field rather than ignore it (so a client that starts
using one finds out here), answers Google's error shape, and dispatches each task to its URL from background workers
with Cloud Tasks' headers, retrying any non-2xx with backoff. Control routes live under /_standin/. Never deployed;
production talks to Cloud Tasks.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Flask, jsonify, request

from shared.adapters.http_pool import HttpPool

# Contract figures from the Cloud Tasks v2 reference (Task, HttpRequest) and its quotas page.
MAX_URL_CHARS = 2083
MAX_TASK_BYTES = 1024 * 1024  # maximum task size: 1 MB
DEFAULT_DEADLINE_S = 600  # HTTP tasks: 10 minutes unless dispatchDeadline says otherwise
TASK_FIELDS = {"httpRequest"}  # the client leaves name, scheduleTime and dispatchDeadline to Google's defaults
REQUEST_FIELDS = {"url", "httpMethod", "headers", "body", "oidcToken"}
REPLACED_HEADERS = {"host", "content-length", "user-agent", "authorization"}  # set by Cloud Tasks at dispatch
SERVICE_PREFIXES = ("x-cloudtasks-", "x-google-", "x-appengine-")
LOCAL_OIDC_TOKEN = "local-oidc-token"  # stands for the ID token Google would sign as the task's service account
STATUS_NAMES = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}
WORKERS = 4  # dispatch threads: a batch's tasks run side by side, as Cloud Tasks runs them


class ApiError(Exception):
    """A request Cloud Tasks would refuse: becomes Google's JSON error answer."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class _Task:
    """One created task and its dispatch history."""

    name: str
    url: str
    headers: dict
    body: bytes
    oidc: dict | None
    created_at: float  # epoch seconds; also its schedule time (due at once)
    attempts: int = 0
    responses: int = 0  # answers other than 5xx (X-CloudTasks-TaskExecutionCount counts only those)
    last_status: int | None = None
    last_error: str = ""
    next_at: float = 0.0
    in_flight: bool = False
    done: bool = False
    given_up: bool = False

    def resource(self) -> dict:
        """The Task resource as createTask answers it in its default BASIC view (without the body)."""
        req = {"url": self.url, "httpMethod": "POST", "headers": dict(self.headers)}
        if self.oidc:
            req["oidcToken"] = dict(self.oidc)
        return {"name": self.name, "httpRequest": req, "scheduleTime": _rfc3339(self.created_at),
                "createTime": _rfc3339(self.created_at), "dispatchDeadline": f"{DEFAULT_DEADLINE_S}s",
                "dispatchCount": self.attempts, "responseCount": self.responses, "view": "BASIC"}

    def summary(self) -> dict:
        """What /_standin/tasks shows: the body decoded as JSON when it is JSON."""
        try:
            body = json.loads(self.body) if self.body else None
        except ValueError:
            body = self.body.decode("utf-8", "replace")
        return {"name": self.name, "url": self.url, "body": body, "headers": self.headers, "attempts": self.attempts,
                "last_status": self.last_status, "last_error": self.last_error, "done": self.done,
                "given_up": self.given_up}


class _Store:
    """The tasks and the workers that dispatch them, behind one condition (the server is threaded)."""

    def __init__(self, hold: bool, max_attempts: int, first_backoff_s: float):
        self.hold, self.max_attempts, self.first_backoff_s = hold, max_attempts, first_backoff_s
        self.cond = threading.Condition()
        self.tasks: dict[str, _Task] = {}
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self._http = HttpPool(connect_timeout_s=5.0, read_timeout_s=DEFAULT_DEADLINE_S)

    def reset(self) -> None:
        """Forget every task (a delivery in flight finishes, unrecorded)."""
        with self.cond:
            self.tasks = {}
            self.cond.notify_all()

    def add(self, task: _Task) -> None:
        """Keep a new task and wake a worker."""
        with self.cond:
            task.next_at = task.created_at
            self.tasks[task.name] = task
            if not self.hold and not self._workers:
                for i in range(WORKERS):
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
                        "X-CloudTasks-TaskETA": f"{task.created_at:.6f}"})
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
                status, error = self._http.request("POST", task.url, task.body, headers)[0], ""
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
            raise _bad(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field "
                       "(or a field this stand-in leaves out: CloudTasksQueue does not send it).")
    return value


def _new_task(payload: object, parent: str) -> _Task:
    """The task a createTask body asks for; ApiError(400) when Google (or this stand-in) would refuse it."""
    body = _object(payload, "", {"task"})
    task = _object(body.get("task"), "task", TASK_FIELDS)
    req = _object(task.get("httpRequest"), "task.http_request", REQUEST_FIELDS)

    url = req.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not isinstance(url, str) or not parts or parts.scheme not in ("http", "https") or not parts.hostname \
            or len(url) > MAX_URL_CHARS:
        raise _bad("HttpRequest.url must be an absolute http:// or https:// URL of at most 2083 characters.")
    if req.get("httpMethod", "POST") != "POST":
        raise _bad(f"Invalid value at 'task.http_request.http_method': {req['httpMethod']!r} (this stand-in "
                   "dispatches POST only, as CloudTasksQueue asks)")
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
    oidc = None
    if "oidcToken" in req:
        oidc = _object(req["oidcToken"], "task.http_request.oidc_token", {"serviceAccountEmail", "audience"})
        email = oidc.get("serviceAccountEmail")
        if not isinstance(email, str) or "@" not in email:
            raise _bad("oidcToken.serviceAccountEmail must be a service account email.")
        if not isinstance(oidc.get("audience", ""), str):
            raise _bad("oidcToken.audience must be a string.")

    name = f"{parent}/tasks/{secrets.randbelow(9 * 10**18) + 10**18}"  # Google's generated ids are numeric
    return _Task(name=name, url=url, headers=dict(headers), body=data, oidc=oidc, created_at=time.time())


# --- The app -------------------------------------------------------------------------------------------------------

def make_app(hold: bool = False, max_attempts: int = 5, first_backoff_s: float = 0.1) -> Flask:
    """The stand-in as a Flask app; every queue exists.

    Args:
        hold: record tasks but never dispatch them (a benchmark then measures only the caller).
        max_attempts: dispatch attempts per task before giving up (Cloud Tasks' own default is 100).
        first_backoff_s: wait before the first retry, doubled on each further one.
    """
    store = _Store(hold, max_attempts, first_backoff_s)
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
        if len(request.get_data()) > MAX_TASK_BYTES:
            raise _bad("Task size too large.")
        payload = request.get_json(force=True, silent=True)
        if payload is None:
            raise _bad("Invalid JSON payload received.")
        task = _new_task(payload, parent)
        store.add(task)
        return jsonify(task.resource())

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
    args = parser.parse_args(argv)
    app = make_app(hold=args.hold)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
