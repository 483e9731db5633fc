"""What every Cloud Function entry point shares: settings and one lazily built App per warm instance, request log
context, and the mapping of failures to HTTP answers (503 for transient or misconfigured, so callers retry).
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator

from flask import Request

from shared.config import Settings
from shared.errors import ConfigError, TransientError
from shared.events import Event, emit
from shared.logs import bind, setup_logging, trace_from_header, unbind
from shared.whatsapp import body

if TYPE_CHECKING:  # built lazily at run time: importing bootstrap pulls in every adapter
    from shared.bootstrap import App

log = logging.getLogger(__name__)

RETRY = ("retry later", 503)


class Instance:
    """The warm-instance state of one function: its settings and App, made on the first request and reused after."""

    def __init__(self, function: str):
        self.function = function
        self._settings: Settings | None = None
        self._app: App | None = None
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        """The checked settings, read once: cheap (no store, no App), so a request can be refused before anything
        else is touched; ConfigError when they cannot run."""
        if self._settings is None:
            settings = Settings.from_env().check()
            setup_logging(settings.log_level, pseudonym_key=settings.pseudonym_key, service=self.function)
            self._settings = settings
        return self._settings

    def app(self) -> App:
        """The App, built (settings checked, schema migrated) on first use; a failure is retried next request."""
        if self._app is None:
            with self._lock:
                if self._app is None:
                    started = time.perf_counter()
                    from shared.bootstrap import build_app

                    app = build_app(self.settings())
                    app.ensure_schema()
                    self._app = app
                    log.info("instance ready", extra={"ctx": {
                        "function": self.function, "ms": round((time.perf_counter() - started) * 1000, 1)}})
        return self._app

    @contextmanager
    def request_context(self, request: Request) -> Iterator[None]:
        """Bind the function name and Cloud trace to every log line of this request."""
        project = self._settings.gcp_project if self._settings is not None else ""
        token = bind(function=self.function,
                     trace=trace_from_header(request.headers.get("X-Cloud-Trace-Context"), project))
        try:
            yield
        finally:
            unbind(token)

    def guarded(self, request: Request, handler: Callable[[App], object], on_bug: tuple[str, int] = ("ok", 200)):
        """For a private function (IAM/OIDC in front): run handler(app), or for /healthz say which stores answer
        and the environment; transient or configuration failures answer 503, a bug is logged and answers on_bug."""

        def run():
            app = self.app()
            if _is_health(request):
                health = {**app.health(), "env": self.settings().env}  # which deployment answers; not a secret
                return health, 200 if health["ok"] else 503
            return handler(app)

        return self._answer(request, run, on_bug)

    def public(self, request: Request, handler: Callable[[Settings, bytes], object],
               on_bug: tuple[str, int] = ("ok", 200)):
        """For a function anyone can reach: read the body within its bounds first (every method: nothing after
        this may read an unbounded one), then run handler(settings, body), which asks for self.app() only once
        it has accepted the request. /healthz says only that the instance lives and its environment (local, staging,
        prod), nothing about the stores."""

        def run():
            try:
                raw = body.read_bounded(request.stream, request.content_length,
                                        body.connection_socket(request.environ))
            except body.BodyRefused as refused:
                return refused.answer()
            settings = self.settings()
            # Liveness and which deployment this is (bench/load.py refuses anything but staging by it).
            return {"ok": True, "env": settings.env} if _is_health(request) else handler(settings, raw)

        return self._answer(request, run, on_bug)

    def _answer(self, request: Request, run: Callable[[], object], on_bug: tuple[str, int]):
        with self.request_context(request):
            try:
                return run()
            except ConfigError as exc:
                log.critical(f"configuration refused, fix the settings and redeploy: {exc}")
                return RETRY
            except TransientError as exc:
                # Our own words (TransientError texts name a store and an error type), so in the message, which is
                # masked but not withheld like free text in context fields.
                log.warning(f"transient failure, asking the caller to retry: {exc}",
                            extra={"ctx": {"error": type(exc).__name__}})
                return RETRY
            except Exception:  # a bug, caught nowhere below: its one line with the stack trace (Error Reporting)
                emit(log, Event.REQUEST_FAILED, exc_info=True, function=self.function)
                return on_bug


def _is_health(request: Request) -> bool:
    return request.path.rstrip("/") == "/healthz"
