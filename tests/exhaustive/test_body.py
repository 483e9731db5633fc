"""A webhook body read past its time budget is cut off at the deadline (each case waits for it)."""
import threading
import time

import pytest

from shared.whatsapp.body import TooSlow, read_bounded
from tests.unit.test_body import connection  # noqa: F401  (the fixture: both ends of a real connection)


@pytest.mark.parametrize("send_bytes", [0, 1], ids=["silent", "a byte every 50 ms"])
def test_a_slow_body_is_cut_off_at_the_deadline(connection, send_bytes):
    """A client that sends nothing, or trickles bytes so that no single recv() ever times out, is refused 408 at
    the deadline: the read side is shut under the buffered read that waits for the rest."""
    server, client = connection
    stop = threading.Event()

    def trickle():
        while not stop.wait(0.05):
            try:
                client.send(b" " * send_bytes)
            except OSError:  # the server shut the connection at its deadline: what the test expects
                return

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(TooSlow) as refused:
            read_bounded(server.makefile("rb"), 1000, server, budget_s=0.3)
    finally:
        stop.set()

    assert 0.3 <= time.monotonic() - started < 1.0
    assert refused.value.status == 408
