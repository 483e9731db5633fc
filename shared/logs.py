"""JSON-line logging in Cloud Logging's structured format, with request trace and context fields.

Never names, phone numbers or child data: callers log `wa_hash(wa_id)`, and a last-line filter masks any
run of 8+ digits (a phone number or NIK slipped into a message or traceback).
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import re
import sys
from datetime import datetime, timezone

# Context of the request being served (trace, function, ...): added to every line logged while it runs.
_context: contextvars.ContextVar[dict] = contextvars.ContextVar("tumbuh_log_context", default={})

_DIGITS = re.compile(r"\+?\d[\d\- ]{6,}\d")  # phone numbers (62812...), NIK (16 digits), with spaces or dashes
_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "ctx"}


def wa_hash(wa_id: str) -> str:
    """A short stable pseudonym for a WhatsApp id, safe to log (not reversible without the id)."""
    return hashlib.sha256(("tumbuh:" + wa_id).encode()).hexdigest()[:12]


def mask_digits(text: str) -> str:
    """Mask digit runs long enough to be a phone number or NIK."""
    return _DIGITS.sub(lambda m: "#" * min(len(m.group()), 4) + "…", text)


def trace_from_header(header: str | None, project: str) -> str | None:
    """Cloud Logging trace name from an X-Cloud-Trace-Context header ('TRACE_ID/SPAN;o=1'), if any."""
    if not header or not project:
        return None
    trace_id = header.split("/", 1)[0].strip()
    if not re.fullmatch(r"[0-9a-fA-F]{1,32}", trace_id):
        return None
    return f"projects/{project}/traces/{trace_id}"


def bind(**fields) -> contextvars.Token:
    """Add context fields to every line logged until `unbind(token)` (one request's worth)."""
    return _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})


def unbind(token: contextvars.Token) -> None:
    """Drop the fields added by the matching `bind`."""
    _context.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: severity, message, time, logger, trace, and context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "severity": _SEVERITY.get(record.levelno, "DEFAULT"),
            "message": mask_digits(record.getMessage()),
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "logger": record.name,
        }
        context = dict(_context.get())
        trace = context.pop("trace", None)
        if trace:
            entry["logging.googleapis.com/trace"] = trace
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}
        extra.update(getattr(record, "ctx", None) or {})
        context.update(extra)
        if context:
            entry["context"] = context
        if record.exc_info:
            entry["stack_trace"] = mask_digits(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the moment of each line (test runners and servers swap it)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def setup_logging(level: str = "INFO", stream=None) -> None:
    """Route the root logger to JSON lines on stdout (Cloud Logging reads them); safe to call twice."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h.formatter, JsonFormatter)), None)
    if handler is None:
        handler = logging.StreamHandler(stream) if stream is not None else _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    elif stream is not None:
        root.removeHandler(handler)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
