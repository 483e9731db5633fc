"""The public webhook's edge against the real functions-framework server (gunicorn), driven over raw sockets.

What a stranger can do before any signature is checked: announce or stream a huge body, upload slowly to hold
worker threads, post unsigned while the database is down, and ask /healthz about the stores. The server runs
with one worker of THREADS threads, the smallest instance, so eight slow uploads would hold every thread.
Run with -s to see the measured figures.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from shared.whatsapp.body import BODY_READ_S, MAX_BODY_BYTES
from shared.whatsapp.webhook import sign
from tests.e2e.servers import free_port as _free_port
from tests.e2e.servers import serve

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SECRET = "test-app-secret"
THREADS = 8
HUNDRED_MB = 100 * 1024 * 1024
SLOW_UPLOADS = 8
SLOW_BODY_BYTES = 1000  # at one byte a second, far longer than any read budget
SLOW_GIVE_UP_S = 15  # a slow client stops here if the server never answers (keeps a failing run bounded)
SLACK_S = 1.5  # scheduling, thread start and the answer's way back on a loaded test machine


@contextmanager
def _serve(env: dict[str, str], log: Path):
    """The webhook as in production (gunicorn, one worker, THREADS threads); yields (host, port)."""
    with serve(env, log, workers=1, threads=THREADS) as server:
        yield "127.0.0.1", server.port


@pytest.fixture(scope="module")
def dead_stores(tmp_path_factory):
    """A webhook whose PostgreSQL and Redis URLs point at closed ports: whatever answers came without a store."""
    env = {"TUMBUH_ENV": "local", "WHATSAPP_APP_SECRET": SECRET, "WHATSAPP_VERIFY_TOKEN": "test-verify-token",
           "DATABASE_URL": f"postgresql://tumbuh@127.0.0.1:{_free_port()}/tumbuh",
           "REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0"}
    with _serve(env, tmp_path_factory.mktemp("edge") / "webhook.log") as addr:
        yield addr


def _head(headers: dict[str, str], method: str = "POST", path: str = "/") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _status(sock: socket.socket, timeout: float) -> int:
    """The status code of the first answer on the connection (0 if it closed without one)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1]) if data else 0


def _envelope(*messages: dict) -> bytes:
    value = {"messaging_product": "whatsapp", "messages": list(messages)}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode()


def _post(addr, body: bytes, secret: str | None = SECRET, timeout: float = 30) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return requests.post(f"http://{addr[0]}:{addr[1]}/", data=body, headers=headers, timeout=timeout)


def test_a_100_mb_body_announced_by_content_length_is_refused_unread(dead_stores):
    """An unsigned POST announcing 100 MB is answered 413 within a second, before a byte of it is sent, and the
    server then closes the connection instead of waiting for the body."""
    with socket.create_connection(dead_stores, timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(_head({"Content-Type": "application/json", "Content-Length": str(HUNDRED_MB)}))

        status = _status(sock, timeout=1.0)
        answered_s = time.monotonic() - started
        sock.settimeout(1.0)
        while sock.recv(65536):  # the rest of the answer, then the end of the connection
            pass

    print(f"\n100 MB by Content-Length: {status} after {answered_s * 1000:.0f} ms, 0 body bytes sent")
    assert status == 413 and answered_s < 1.0


def test_a_chunked_100_mb_body_is_cut_off_after_the_cap(dead_stores):
    """A chunked body of 100 MB is answered 413 once the cap is passed; the client cannot push the rest."""
    piece = b"x" * 65536
    frame = b"%x\r\n" % len(piece) + piece + b"\r\n"
    sent = 0

    def flood(sock: socket.socket) -> None:
        nonlocal sent
        try:
            sock.sendall(_head({"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
            while sent < HUNDRED_MB:
                sock.sendall(frame)
                sent += len(piece)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: the point of the test

    with socket.create_connection(dead_stores, timeout=10) as sock:
        started = time.monotonic()
        sender = threading.Thread(target=flood, args=(sock,), daemon=True)
        sender.start()
        status = _status(sock, timeout=10)
        answered_s = time.monotonic() - started
        # The sender ends when the server closes the connection, or when a send makes no progress for the socket's
        # 10 s time-out: joining for longer than that leaves no race with it (joining for exactly 10 s did, once in
        # five CI runs). `sent` is then final, and it is what shows the client could not push the rest.
        sender.join(25)

    print(f"\nchunked 100 MB: {status} after {answered_s * 1000:.0f} ms; the client got {sent / 2**20:.1f} MiB "
          f"into the connection (cap {MAX_BODY_BYTES / 2**20:.0f} MiB, the rest sits in socket buffers)")
    assert status == 413
    assert not sender.is_alive() and sent < HUNDRED_MB // 4


def _slow_upload(addr) -> tuple[int, float | None]:
    """Announce a small body and send it a byte a second, ignoring the answer until the server hangs up (as an
    attacker would); the status answered and the seconds it took."""
    status, answered_s, data = 0, None, b""
    with socket.create_connection(addr, timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(_head({"Content-Type": "application/json", "Content-Length": str(SLOW_BODY_BYTES)}))
        sock.settimeout(1.0)
        while time.monotonic() - started < SLOW_GIVE_UP_S:
            try:
                sock.send(b" ")
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            if answered_s is None:
                answered_s = time.monotonic() - started
            data += chunk
    if data:
        status = int(data.split(b" ", 2)[1])
    return status, answered_s


def test_slow_uploads_get_408_and_do_not_stall_a_signed_request(local_env, tmp_path):
    """Eight uploads at a byte a second hold every worker thread only for the read budget: each is answered 408,
    and a signed message sent meanwhile is answered 200 within a few seconds."""
    message = {"from": "6281200000001", "id": "wamid.EDGE1", "timestamp": "1700000000", "type": "text",
               "text": {"body": "Halo"}}
    with _serve(local_env, tmp_path / "webhook.log") as addr:
        assert _post(addr, _envelope()).status_code == 200  # built and migrated: the figure below is the stall only
        with ThreadPoolExecutor(SLOW_UPLOADS) as pool:
            slow = [pool.submit(_slow_upload, addr) for _ in range(SLOW_UPLOADS)]
            time.sleep(0.5)  # every thread is now reading a slow body
            started = time.monotonic()
            reply = _post(addr, _envelope(message), timeout=SLOW_GIVE_UP_S + 10)
            latency_s = time.monotonic() - started
            results = [f.result() for f in slow]

    print(f"\n{SLOW_UPLOADS} slow uploads: " + ", ".join(
        f"{s}@{t:.2f}s" if t is not None else f"{s}@never" for s, t in results)
        + f"; signed message meanwhile: {reply.status_code} in {latency_s:.2f} s")
    assert [s for s, _ in results] == [408] * SLOW_UPLOADS
    assert all(t is not None and t <= BODY_READ_S + SLACK_S for _, t in results)
    assert reply.status_code == 200 and reply.json() == {"messages": 1, "statuses": 0}
    assert latency_s < BODY_READ_S + 3


def test_an_unsigned_post_is_refused_before_the_database_is_touched(dead_stores):
    """With PostgreSQL and Redis down, an unsigned POST is still 401 and a wrong signature 403: the signature is
    checked before the app is built. A signed one gets 503, so Meta retries."""
    body = _envelope()

    statuses = [_post(dead_stores, body, secret).status_code for secret in (None, "someone-else", SECRET)]

    assert statuses == [401, 403, 503]


def test_public_health_is_liveness_only_and_touches_no_store(dead_stores):
    """/healthz on the public webhook says only that the instance lives and its environment, with both stores down."""
    resp = requests.get(f"http://{dead_stores[0]}:{dead_stores[1]}/healthz", timeout=5)

    assert (resp.status_code, resp.json()) == (200, {"ok": True, "env": "local"})


def test_meta_handshake_needs_no_store(dead_stores):
    """Meta's GET verification is answered from the settings alone, with both stores down."""
    query = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "4242"}

    resp = requests.get(f"http://{dead_stores[0]}:{dead_stores[1]}/", params=query, timeout=5)

    assert (resp.status_code, resp.text) == (200, "4242")
