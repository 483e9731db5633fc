"""JSON-line logging in Cloud Logging's structured format, with request trace and context fields.

Never names, phone numbers or child data: callers log `wa_hash(wa_id)`, and the formatter is a last line of
defence over every string it writes: digit runs (phone numbers, NIK), dates and e-mail addresses are masked
everywhere, and free text in context fields and exception messages (which can come from outside) is withheld.

A line with an exception at ERROR or above is a bug, written in the shape Error Reporting groups: the stack trace in
`stack_trace` and in `message` (after the words), `serviceContext`, and the ReportedErrorEvent `@type`. A line
without one keeps the plain shape, so a warning is never reported as an error.
"""
from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import traceback
from datetime import datetime, timezone

from shared import __version__

# Context of the request being served (trace, function, ...): added to every line logged while it runs.
_context: contextvars.ContextVar[dict] = contextvars.ContextVar("tumbuh_log_context", default={})

_DIGITS = re.compile(r"\+?\d[\d\- ]{6,}\d")  # phone numbers (62812...), NIK (16 digits), with spaces or dashes
_MONTHS = (r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:et|ch)?|apr(?:il)?|mei|may|jun[ei]?|jul[iy]?"
           r"|agu(?:stus)?|aug(?:ust)?|agt|sep(?:t|tember)?|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?"
           r"|des(?:ember)?|dec(?:ember)?")
_DATES = re.compile(
    r"(?<![\d.\-/])(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?![\d]|[-/.]\d)"  # ISO, D-M-Y
    rf"|\b\d{{1,2}}\.?\s*(?:{_MONTHS})\.?,?\s*\d{{2,4}}\b"  # 5 April 2023, 5 Apr 2023, 05-Mei-2023 (below)
    rf"|\b\d{{1,2}}-(?:{_MONTHS})-\d{{2,4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}\b",  # April 5, 2023
    re.IGNORECASE,
)
_ANY_DIGIT = re.compile(r"\d")
_EMAILS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HASH = re.compile(r"(?=[0-9a-f]*[a-f])[0-9a-f]{16,64}")  # pseudonyms and hashes: hex digits are not a number
_TOKEN = re.compile(r"[A-Za-z0-9_.:/+\-]{0,64}")  # a code, id or type name: short, no spaces
_TRACE = re.compile(r"projects/[\w.:-]+/traces/[0-9a-fA-F]{1,32}")
_MAX_DEPTH = 12  # deeper than any answer we log; stops a cycle
_SEVERITY = {
    logging.DEBUG: "DEBUG",
    logging.INFO: "INFO",
    logging.WARNING: "WARNING",
    logging.ERROR: "ERROR",
    logging.CRITICAL: "CRITICAL",
}
DEFAULT_SERVICE = "tumbuh"  # Error Reporting's service where neither the platform nor setup_logging names one
REPORTED_ERROR_EVENT = "type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent"
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "ctx"}


# Until setup_logging installs the configured key: a random one, so scripts and tests never write a plain hash.
_pseudonym_key: bytes = secrets.token_bytes(32)


def wa_hash(wa_id: str) -> str:
    """A short stable pseudonym for a WhatsApp id (HMAC-SHA256 keyed with PSEUDONYM_KEY, 16 hex characters).

    Protects against reversing: Indonesian mobile numbers are about 10^10, so an unkeyed hash of every one is
    computed in seconds and turns each pseudonym in a log or a row back into the number. The key lives in Secret
    Manager and only the functions read it. It does not protect against anyone holding the key, who can run the
    same enumeration. Without an installed key (scripts, unit tests) a random per-process key is used: stable
    within the process, never a plain hash.
    """
    return hmac.new(_pseudonym_key, wa_id.encode(), hashlib.sha256).hexdigest()[:16]


def mask_digits(text: str) -> str:
    """Mask digit runs long enough to be a phone number or NIK."""
    return _DIGITS.sub(lambda m: "#" * min(len(m.group()), 4) + "…", text)


def mask_text(text: str) -> str:
    """Mask e-mail addresses, dates in any common form (English and Indonesian month names) and phone or NIK
    digit runs; a hex hash or pseudonym is left whole."""
    if "@" in text:
        text = _EMAILS.sub("<email>", text)
    if not _ANY_DIGIT.search(text) or _HASH.fullmatch(text):  # most of our text: nothing to mask, keep it cheap
        return text
    return mask_digits(_DATES.sub("<date>", text))


def mask_value(value, depth: int = 0):
    """A context value safe to log: numbers, booleans and None as they are (a number long enough to be a phone
    number is masked), short code tokens masked, any other string (free text that may hold a name) withheld as
    '<withheld N chars>'; dicts, lists and tuples walked."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return mask_digits(str(value)) if _DIGITS.search(str(value)) else value
    if depth >= _MAX_DEPTH:
        return "<withheld nested>"
    if isinstance(value, dict):
        return {mask_text(str(k)): mask_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        masked = [mask_value(v, depth + 1) for v in value]
        return tuple(masked) if isinstance(value, tuple) else masked
    text = str(value)
    return mask_text(text) if _TOKEN.fullmatch(text) else f"<withheld {len(text)} chars>"


def _message(record: logging.LogRecord) -> str:
    """The record's message: our words with its arguments masked as context values, then the whole masked."""
    if not record.args:
        return mask_text(str(record.msg))
    try:
        return mask_text(str(record.msg) % mask_value(record.args))
    except (TypeError, ValueError, KeyError):
        return mask_text(record.getMessage())


def _stack_trace(first: BaseException) -> str:
    """A traceback in Python's layout: file, line and function of each frame, and each exception's type with its
    text withheld unless it is a short code (exception texts quote outside answers: Graph API, PostgreSQL)."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link = ""
    exc: BaseException | None = first
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append((exc, link))
        if exc.__cause__ is not None:
            exc, link = exc.__cause__, "The above exception was the direct cause of the following exception:"
        elif not exc.__suppress_context__:
            exc, link = exc.__context__, "During handling of the above exception, another exception occurred:"
        else:
            exc = None
    lines: list[str] = []
    for item, follows in reversed(chain):
        kind = type(item)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        text = str(item).strip("'\"")  # a KeyError's key is quoted
        # Where it happened, without the source lines: Error Reporting groups by these, and a line can quote data.
        frames = traceback.extract_tb(item.__traceback__)
        lines.append("Traceback (most recent call last):\n" + "".join(
            f'  File "{f.filename}", line {f.lineno}, in {f.name}\n' for f in frames))
        lines.append(f"{name}: {mask_value(text)}\n" if text else f"{name}\n")
        if follows:
            lines.append(f"\n{follows}\n\n")
    return mask_text("".join(lines).rstrip("\n"))


def service_context(fallback: str = DEFAULT_SERVICE) -> dict[str, str]:
    """Error Reporting's serviceContext: the Cloud Run service and revision (K_SERVICE, K_REVISION) where the
    platform sets them, else `fallback` and Tumbuh's version.

    Read here rather than through config: a line can come before the settings are read, or from their refusal.
    """
    return {"service": os.environ.get("K_SERVICE") or fallback, "version": os.environ.get("K_REVISION") or __version__}


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
    """One JSON object a line: severity, message, time, logger, trace, and context fields; with an exception, its
    stack trace (and at ERROR or above, Error Reporting's fields).

    Args:
        service: the service Error Reporting names when the platform does not (see service_context).
    """

    def __init__(self, service: str = DEFAULT_SERVICE):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "severity": _SEVERITY.get(record.levelno, "DEFAULT"),
            "message": _message(record),
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "logger": record.name,
        }
        context = dict(_context.get())
        trace = context.pop("trace", None)
        if isinstance(trace, str) and _TRACE.fullmatch(trace):  # built by trace_from_header: hex id, our project
            entry["logging.googleapis.com/trace"] = trace
        extra = {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}
        ctx = getattr(record, "ctx", None)
        if isinstance(ctx, dict):
            extra.update(ctx)
        elif ctx is not None:
            extra["ctx"] = ctx
        context.update(extra)
        if context:
            entry["context"] = mask_value(context)
        if record.exc_info and record.exc_info[1] is not None:
            trace = _stack_trace(record.exc_info[1])
            entry["stack_trace"] = trace
            if record.levelno >= logging.ERROR:  # a bug: grouped by its trace whichever field Error Reporting reads
                entry["message"] = f"{entry['message']}\n{trace}"
                entry["serviceContext"] = service_context(self.service)
                entry["@type"] = REPORTED_ERROR_EVENT
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


def setup_logging(level: str = "INFO", stream=None, *, pseudonym_key: str | None = None,
                  service: str | None = None) -> None:
    """Route the root logger to JSON lines on stdout (Cloud Logging reads them); safe to call twice.

    Args:
        pseudonym_key: the PSEUDONYM_KEY secret that keys wa_hash; None keeps the key already installed.
        service: the service Error Reporting names off the platform (the function's name); None keeps the one
            already installed (at first DEFAULT_SERVICE).
    """
    global _pseudonym_key
    if pseudonym_key:
        _pseudonym_key = pseudonym_key.encode()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h.formatter, JsonFormatter)), None)
    if handler is None:
        handler = logging.StreamHandler(stream) if stream is not None else _StdoutHandler()
        handler.setFormatter(JsonFormatter(service or DEFAULT_SERVICE))
        root.addHandler(handler)
    elif stream is not None:
        installed = handler.formatter.service if isinstance(handler.formatter, JsonFormatter) else DEFAULT_SERVICE
        root.removeHandler(handler)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter(service or installed))
        root.addHandler(handler)
    elif service and isinstance(handler.formatter, JsonFormatter):
        handler.formatter.service = service
    root.setLevel(level)
