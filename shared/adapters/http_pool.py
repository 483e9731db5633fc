"""A small keep-alive HTTP(S) client on the standard library, for the webhook's hot path (the Graph API).

requests cost ~1.5 ms of CPU per call and ~30 % of a measuring turn in the webhook benchmark; http.client with
one kept-alive connection per thread and host costs a fraction of that, and nothing to import.
"""
from __future__ import annotations

import http.client
import ssl
import threading
import uuid
from urllib.parse import urlsplit


class HttpUnreachable(OSError):
    """No answer: refused, reset, timed out, or the name did not resolve. The request may or may not have arrived."""


class HttpBadUrl(ValueError):
    """The URL cannot be used (scheme or host missing)."""


_RETRYABLE_ON_REUSE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class HttpPool:
    """One kept-alive connection per (thread, scheme, host, port); thread-safe by construction."""

    def __init__(self, connect_timeout_s: float = 5.0, read_timeout_s: float = 10.0):
        self._connect_timeout = connect_timeout_s
        self._read_timeout = read_timeout_s
        self._local = threading.local()
        self._ssl: ssl.SSLContext | None = None

    def _connection(self, scheme: str, host: str, port: int | None) -> tuple[http.client.HTTPConnection, bool]:
        conns = self._local.__dict__.setdefault("conns", {})
        key = (scheme, host, port)
        conn = conns.get(key)
        if conn is not None:
            return conn, True
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            conn = http.client.HTTPSConnection(host, port, timeout=self._connect_timeout, context=self._ssl)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self._connect_timeout)
        conns[key] = conn
        return conn, False

    def _drop(self, scheme: str, host: str, port: int | None) -> None:
        conn = self._local.__dict__.get("conns", {}).pop((scheme, host, port), None)
        if conn is not None:
            conn.close()

    def request(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        """Send one request and read the whole answer: (status, headers with lower-case names, body)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpBadUrl(f"unusable URL scheme or host: {parts.scheme or '?'}://{parts.hostname or '?'}")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            conn, reused = self._connection(parts.scheme, parts.hostname, parts.port)
            try:
                if conn.sock is None:
                    conn.connect()
                    # connect() sets sock: mypy keeps the `is None` narrowing across the call.
                    conn.sock.settimeout(self._read_timeout)  # type: ignore[attr-defined]
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                answer = {k.lower(): v for k, v in resp.getheaders()}
                if resp.will_close:
                    self._drop(parts.scheme, parts.hostname, parts.port)
                return resp.status, answer, data
            except _RETRYABLE_ON_REUSE as exc:
                self._drop(parts.scheme, parts.hostname, parts.port)
                # A kept-alive connection the server closed while idle fails like this before the request is
                # read; one fresh connection is tried. A fresh connection failing is reported.
                if not (reused and attempt == 1):
                    raise HttpUnreachable(type(exc).__name__) from exc
            except (OSError, http.client.HTTPException) as exc:  # refused, timed out, DNS, TLS, bad status line
                self._drop(parts.scheme, parts.hostname, parts.port)
                raise HttpUnreachable(type(exc).__name__) from exc
        raise HttpUnreachable("no answer")  # not reached: the loop returns or raises

    def close(self) -> None:
        """Close this thread's connections."""
        for conn in self._local.__dict__.pop("conns", {}).values():
            conn.close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type (for the media upload)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    for name, (filename, data, mime) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {mime}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"

