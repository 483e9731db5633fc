"""Reading a request body within a size cap and a time budget, before anything else looks at it.

No Flask: it reads any file-like stream. The one thing it touches besides the stream is the connection's socket,
when the server shares it in the WSGI environ, to stop a slow or refused upload at the socket.
"""
from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from contextlib import contextmanager
from typing import BinaryIO, Iterator, Mapping

# Meta's webhook bodies are a few kB; the largest reported is about 3 MB (hookdeck's WhatsApp webhook guide), so
# 4 MiB leaves headroom for a legitimate batch and still refuses a flood before it costs memory or time.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Meta posts from its data centres, so a whole body arrives in milliseconds; a slow upload only holds a thread.
BODY_READ_S = 2.0
_READ_BYTES = 64 * 1024
# Where gunicorn (production) and werkzeug's development server put the connection in the WSGI environ.
SOCKET_KEYS = ("gunicorn.socket", "werkzeug.socket")


class BodyRefused(Exception):
    """The body was not read whole; the server must read nothing more from this connection."""

    status = 400
    reason = "bad request"

    def answer(self) -> tuple:
        """The HTTP answer. Its text is streamed because functions-framework reads the rest of the request body
        after any other answer (to the end of a 100 MB upload); a streamed one it leaves alone."""
        return iter((self.reason,)), self.status, {"Connection": "close"}


class TooLarge(BodyRefused):
    """Over MAX_BODY_BYTES, announced or sent."""

    status, reason = 413, "payload too large"


class TooSlow(BodyRefused):
    """Not all there within BODY_READ_S."""

    status, reason = 408, "request timeout"


class Incomplete(BodyRefused):
    """The client stopped sending before the end of the body."""


def connection_socket(environ: Mapping) -> socket.socket | None:
    """The request's socket when the server shares it in the WSGI environ (gunicorn, werkzeug's dev server)."""
    for key in SOCKET_KEYS:
        if isinstance(environ.get(key), socket.socket):
            return environ[key]
    return None


def read_bounded(stream: BinaryIO, content_length: int | None, sock: socket.socket | None = None, *,
                 max_bytes: int = MAX_BODY_BYTES, budget_s: float = BODY_READ_S) -> bytes:
    """The whole body, or TooLarge / TooSlow / Incomplete having read at most max_bytes + 1 bytes.

    Args:
        stream: the request body, ending at Content-Length or at the end of a chunked body.
        content_length: the announced length; None for a chunked body, which is read up to max_bytes + 1.
        sock: the connection, if known. A socket timeout would not bound the read: servers loop over recv()
            until a read is filled (gunicorn, buffered files), and a client sending a byte a second never lets
            one recv() time out. So at the deadline a timer shuts the socket's read side, which ends a blocked
            or trickling read at once; a refused body is shut off the same way, so the server does not go on
            reading or draining it after the answer. Without a socket (a test client) the body is read as is.
    """
    if content_length is not None and content_length > max_bytes:
        _refuse(TooLarge, sock)
    want = max_bytes + 1 if content_length is None else content_length
    deadline = time.monotonic() + budget_s
    chunks: list[bytes] = []
    got = 0
    failed = False
    with _shut_at_deadline(sock if want else None, budget_s):
        try:
            while got < want:
                chunk = stream.read(min(_READ_BYTES, want - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
        except Exception:  # OSError, or the server's wrapping: werkzeug's ClientDisconnected, gunicorn's NoMoreData
            failed = True
    if got > max_bytes:
        _refuse(TooLarge, sock)
    if failed or (content_length is not None and got < content_length):
        _refuse(TooSlow if time.monotonic() >= deadline else Incomplete, sock)
    return b"".join(chunks)


class _Watchdog:
    """One daemon thread that shuts the read side of sockets whose upload outlived its deadline.

    Starting a timer thread per request costs about 0.25 ms of CPU on every POST; arming this one is a heap push
    under a lock, and the thread wakes only when the earliest deadline is due or the heap was empty.
    """

    def __init__(self) -> None:
        self._due: list[tuple[float, int, socket.socket]] = []  # a heap of (deadline, ticket, socket)
        self._disarmed: set[int] = set()
        self._tickets = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, sock: socket.socket, budget_s: float) -> int:
        """Shut `sock`'s read side in budget_s seconds unless disarmed first; returns the ticket to disarm."""
        ticket = next(self._tickets)
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="body-watchdog", daemon=True)
                self._thread.start()
            heapq.heappush(self._due, (time.monotonic() + budget_s, ticket, sock))
            if self._due[0][1] == ticket:  # the new earliest deadline: the thread sleeps until a later one
                self._wake.notify()
        return ticket

    def disarm(self, ticket: int) -> None:
        """The body was read (or refused) in time: leave its socket alone."""
        with self._wake:
            self._disarmed.add(ticket)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._wake.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, ticket, sock = heapq.heappop(self._due)
                if ticket in self._disarmed:
                    self._disarmed.discard(ticket)
                    continue
            _stop_reading(sock)


_watchdog = _Watchdog()


@contextmanager
def _shut_at_deadline(sock: socket.socket | None, budget_s: float) -> Iterator[None]:
    if sock is None:
        yield
        return
    ticket = _watchdog.arm(sock, budget_s)
    try:
        yield
    finally:
        _watchdog.disarm(ticket)


def _refuse(kind: type[BodyRefused], sock: socket.socket | None):
    _stop_reading(sock)
    raise kind()


def _stop_reading(sock: socket.socket | None) -> None:
    """Shut the read side: a blocked recv() returns at once, and later ones never wait (they return what is
    already buffered, then end of stream)."""
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass  # already closed by the client
