"""bench/load.py as an operator runs it, as a process: against the real webhook served on loopback, and against tiny
loopback servers whose /healthz claims to be staging or prod (the refusals must hold before anything is posted)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from shared.whatsapp.webhook import check_signature
from tests.e2e.servers import SECRET, serve

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SECRET_VAR = "TUMBUH_LOAD_TEST_APP_SECRET"


def run_load(url: str, *args: str, secret: str | None = SECRET) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != SECRET_VAR}
    if secret is not None:
        env[SECRET_VAR] = secret
    return subprocess.run([sys.executable, str(REPO / "bench" / "load.py"), "--url", url, "--app-secret-env",
                           SECRET_VAR, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)


class Stub:
    """What a stand-in deployment was asked: (method, path, body, headers) per request."""

    def __init__(self, url: str):
        self.url = url
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []

    def posts(self) -> list[tuple[bytes, dict[str, str]]]:
        return [(body, headers) for method, _path, body, headers in self.requests if method == "POST"]


@contextmanager
def deployment(env: str) -> Iterator[Stub]:
    """A loopback server whose /healthz says {"ok": true, "env": env} and which answers every POST 200."""
    stub: Stub

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server's name)
            stub.requests.append(("GET", self.path, b"", dict(self.headers)))
            self._answer(json.dumps({"ok": True, "env": env}).encode())

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stub.requests.append(("POST", self.path, body, dict(self.headers)))
            self._answer(b'{"messages": 1, "statuses": 0}')

        def log_message(self, *args):  # keep the test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub = Stub(f"http://127.0.0.1:{httpd.server_port}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def printed(pattern: str, out: str) -> str:
    found = re.search(pattern, out, re.MULTILINE)
    assert found, f"{pattern!r} not in:\n{out}"
    return found.group(1)


def test_a_load_run_against_the_local_webhook_is_answered_and_recorded_once_per_message(local_env, tmp_path,
                                                                                       database_url):
    """5 messages/s for 2 s at the real webhook on loopback: every one answered 200 and one inbound row each."""
    import pg8000.native
    from urllib.parse import urlsplit

    with serve(local_env, tmp_path / "webhook.log") as srv:
        run = run_load(srv.url, "--rate", "5", "--duration", "2")
        errors = srv.exceptions()

    assert run.returncode == 0, run.stderr[-2000:]
    sent = int(printed(r"^sent (\d+)$", run.stdout))
    answered = int(printed(r"^answered 200: (\d+)$", run.stdout))
    tag = printed(r"wamids (wamid\.LOAD[0-9a-f]+)\*", run.stdout)
    assert (sent, answered) == (10, 10)
    assert re.search(r"^p95 / healthz round trip: \d+\.\d$", run.stdout, re.MULTILINE)
    u = urlsplit(database_url)
    db = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:], password=u.password)
    try:
        rows = db.run("SELECT count(*), count(DISTINCT wa_hash) FROM inbound_messages WHERE wamid LIKE :p",
                      p=tag + "%")[0]
        total = db.run("SELECT count(*) FROM inbound_messages")[0][0]
    finally:
        db.close()
    assert (rows[0], rows[1], total) == (sent, sent, sent)  # one parent per message by default
    assert errors == []


def test_a_deployment_that_says_staging_gets_signed_messages_from_drama_numbers():
    """A server whose /healthz says staging is loaded: every POST carries a valid signature, from a distinct
    parent in the drama range."""
    with deployment("staging") as stub:
        run = run_load(stub.url, "--rate", "5", "--duration", "1")

    posts = stub.posts()
    senders = [json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["from"] for body, _ in posts]
    assert run.returncode == 0, run.stderr[-2000:]
    assert "sent 5" in run.stdout.splitlines() and "answered 200: 5" in run.stdout.splitlines()
    assert len(posts) == 5
    assert all(check_signature(body, headers, SECRET) is None for body, headers in posts)
    assert all(check_signature(body, headers, "another-secret") is not None for body, headers in posts)
    assert len(set(senders)) == 5 and all(447700900000 <= int(s) <= 447700900999 for s in senders)


def test_a_deployment_that_says_prod_is_refused_and_nothing_is_posted():
    """/healthz saying prod stops the run: exit 2, one sentence, not one POST."""
    with deployment("prod") as stub:
        run = run_load(stub.url, "--rate", "5", "--duration", "1")

    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and "says env 'prod'" in run.stderr and "staging" in run.stderr
    assert [method for method, *_ in stub.requests] == ["GET"] and stub.posts() == []


@pytest.mark.parametrize("args, secret, words", [
    (["--rate", "51", "--duration", "1"], SECRET, "--rate must be above 0 and at most 50"),
    (["--rate", "5", "--duration", "601"], SECRET, "--duration must be above 0 and at most 600"),
    (["--rate", "50", "--duration", "60", "--parents", "10"], SECRET, "flood limit"),
    (["--rate", "5", "--duration", "1"], None, f"{SECRET_VAR} (named by --app-secret-env) is empty"),
], ids=["rate-cap", "duration-cap", "too-few-parents", "no-secret"])
def test_a_plan_over_the_caps_is_refused_before_any_request(args, secret, words):
    """Caps, the flood limit and a missing secret are checked before the deployment is even asked its env."""
    with deployment("staging") as stub:
        run = run_load(stub.url, *args, secret=secret)

    assert run.returncode == 2
    assert run.stderr.startswith("load: refused: ") and words in run.stderr and run.stderr.count("\n") == 1
    assert stub.requests == []


def test_another_machine_needs_the_staging_confirmation():
    """A URL that is not loopback is refused without --confirm-staging, before any network traffic."""
    run = run_load("https://staging.example.invalid", "--rate", "5", "--duration", "1")

    assert run.returncode == 2 and "add --confirm-staging" in run.stderr
