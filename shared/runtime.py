"""What every Cloud Function entry point shares: one lazily built App per warm instance, request log context,
and the mapping of failures to HTTP answers (503 for transient or misconfigured, so callers retry).
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from shared.errors import ConfigError, TransientError
from shared.logs import bind, trace_from_header, unbind

log = logging.getLogger(__name__)

RETRY = ("retry later", 503)


class Instance:
    """The warm-instance state of one function: its App, built on the first request and reused after."""

    def __init__(self, function: str, build: Callable[[], object] | None = None):
        self.function = function
        self._build = build
        self._app = None
        self._lock = threading.Lock()

    def app(self):
        """The App, built (settings checked, schema migrated) on first use; a failure is retried next request."""
        if self._app is None:
            with self._lock:
                if self._app is None:
                    started = time.perf_counter()
                    if self._build is None:
                        from shared.bootstrap import build_app

                        app = build_app()
                    else:
                        app = self._build()
                    app.ensure_schema()
                    self._app = app
                    log.info("instance ready", extra={"ctx": {
                        "function": self.function, "ms": round((time.perf_counter() - started) * 1000, 1)}})
        return self._app

    @contextmanager
    def request_context(self, request) -> Iterator[None]:
        """Bind the function name and Cloud trace to every log line of this request."""
        project = self._app.settings.gcp_project if self._app is not None else ""
        token = bind(function=self.function,
                     trace=trace_from_header(request.headers.get("X-Cloud-Trace-Context"), project))
        try:
            yield
        finally:
            unbind(token)

    def guarded(self, request, handler: Callable[[object], object], on_bug=("ok", 200)):
        """Run handler(app) (or the health check for /healthz): transient or configuration failures answer 503;
        a bug is logged and answers on_bug."""
        with self.request_context(request):
            try:
                app = self.app()
                if request.path.rstrip("/") == "/healthz":
                    health = app.health()
                    return health, 200 if health["ok"] else 503
                return handler(app)
            except ConfigError as exc:
                log.critical(f"configuration refused, fix the settings and redeploy: {exc}")
                return RETRY
            except TransientError as exc:
                log.warning("transient failure, asking the caller to retry", extra={"ctx": {"error": str(exc)}})
                return RETRY
            except Exception:
                log.exception("request failed")
                return on_bug
