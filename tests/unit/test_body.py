"""Reading a webhook body within its size cap and time budget (the deadline itself, which takes its time, is in
tests/exhaustive; the real-server figures are in tests/e2e)."""
import io
import socket

import pytest

from shared.whatsapp.body import (MAX_BODY_BYTES, Incomplete, TooLarge, TooSlow, connection_socket,
                                  read_bounded)


class Endless(io.RawIOBase):
    """A body that never ends, counting what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


class Untouchable(io.RawIOBase):
    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body was read")


@pytest.fixture
def connection():
    """Both ends of a real connection: the server's socket and the client's."""
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def test_a_body_within_the_cap_is_returned_whole():
    """A body of exactly the cap, announced or chunked, is read whole."""
    data = b"{" * MAX_BODY_BYTES

    assert read_bounded(io.BytesIO(data), len(data)) == data
    assert read_bounded(io.BytesIO(data), None) == data


def test_an_announced_length_over_the_cap_is_refused_unread():
    """Content-Length over the cap is a 413 without reading a byte."""
    with pytest.raises(TooLarge) as refused:
        read_bounded(Untouchable(), MAX_BODY_BYTES + 1)

    assert refused.value.status == 413


def test_a_chunked_body_is_read_only_one_byte_past_the_cap():
    """Without a Content-Length, an endless body is refused after exactly cap + 1 bytes."""
    stream = Endless()

    with pytest.raises(TooLarge):
        read_bounded(stream, None)

    assert stream.read_bytes == MAX_BODY_BYTES + 1


def test_a_client_that_stops_early_is_incomplete(connection):
    """A body shorter than announced, the client gone, is a 400 right away, not a wait for the deadline."""
    server, client = connection
    client.sendall(b'{"a":')
    client.shutdown(socket.SHUT_WR)

    with pytest.raises(Incomplete) as refused:
        read_bounded(server.makefile("rb"), 100, server, budget_s=5)

    assert refused.value.status == 400


def test_a_refused_answer_is_streamed_and_closes_the_connection():
    """The answer is an iterator (functions-framework then leaves the unread body alone) and says close."""
    text, status, headers = TooSlow().answer()

    assert (list(text), status, headers) == (["request timeout"], 408, {"Connection": "close"})


def test_the_connection_socket_is_found_where_the_server_puts_it(connection):
    """gunicorn's and werkzeug's environ keys give the socket; a test client's environ gives None."""
    server, _ = connection

    assert connection_socket({"gunicorn.socket": server}) is server
    assert connection_socket({"werkzeug.socket": server}) is server
    assert connection_socket({"wsgi.input": io.BytesIO()}) is None
