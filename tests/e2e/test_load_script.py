"""bench/load.py as an operator runs it, as a process: against the real webhook served on loopback (parents measuring
a child, and strangers saying hello), and against tiny loopback servers whose /healthz claims to be staging or prod
(the refusals must hold before anything is posted)."""
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
from tests.conftest import sent_to
from tests.e2e.servers import SECRET, Server, serve

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
def deployment(env: str, post_status: int = 200) -> Iterator[Stub]:
    """A loopback server whose /healthz says {"ok": true, "env": env} and which answers every POST post_status."""
    stub: Stub

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes, status: int = 200) -> None:
            self.send_response(status)
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
            self._answer(b'{"messages": 1, "statuses": 0}', post_status)

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


def said(body: bytes) -> str:
    """What one POST says: its text, or "@" and the id of the button tapped."""
    message = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]
    if message["type"] == "interactive":
        return "@" + message["interactive"]["button_reply"]["id"]
    return message["text"]["body"]


def talks(posts: list[tuple[bytes, dict[str, str]]]) -> dict[str, list[str]]:
    """What each sender said, in the order the POSTs arrived."""
    out: dict[str, list[str]] = {}
    for body, _headers in posts:
        sender = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["from"]
        out.setdefault(sender, []).append(said(body))
    return out


def query(database_url: str, sql: str, **params) -> list[list]:
    """The rows of one statement on this test's database."""
    import pg8000.native
    from urllib.parse import urlsplit

    u = urlsplit(database_url)
    db = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:], password=u.password)
    try:
        return db.run(sql, **params)
    finally:
        db.close()


def handled(server: Server) -> list[str]:
    """The outcome of each message.handled event the webhook logged ("silent" is a muted flood, among others)."""
    events = [json.loads(line) for line in server.log.read_text(errors="replace").splitlines() if line.startswith("{")]
    return [e["context"]["outcome"] for e in events if e.get("context", {}).get("event") == "message.handled"]


# Each parent's children and measurements, and those measured by this run's messages (source_ref is the wamid).
FAMILIES = ("SELECT g.wa_id, count(DISTINCT c.id), count(m.id), count(m.id) FILTER (WHERE m.source_ref LIKE :p), "
            "count(c.posyandu_id) FROM guardians g LEFT JOIN children c ON c.guardian_id = g.id "
            "LEFT JOIN measurements m ON m.child_id = c.id GROUP BY g.wa_id ORDER BY g.wa_id")


def test_a_measure_run_against_the_local_webhook_ends_every_conversation_in_a_stored_measurement(local_env, tmp_path,
                                                                                                 database_url):
    """The default flow at 20 messages/s for 2 s at the real webhook on loopback: every message answered 200 and
    handled with a reply (none muted as a flood), each parent has registered one child with one measurement, and
    the measuring turn is reported on its own."""
    with serve(local_env, tmp_path / "webhook.log") as srv:
        run = run_load(srv.url, "--rate", "20", "--duration", "2")
        errors = srv.exceptions()
        outcomes = handled(srv)
        log = srv.log.read_text(errors="replace")

    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    started = int(printed(r"^conversations started (\d+), completed \d+$", run.stdout))
    completed = int(printed(r"^conversations started \d+, completed (\d+)$", run.stdout))
    sent = int(printed(r"^sent (\d+)$", run.stdout))
    answered = int(printed(r"^answered 200: (\d+)$", run.stdout))
    measuring = int(printed(r"^measuring turn \(the oedema answer\), (\d+) of them: p50 ", run.stdout))
    tag = printed(r"wamids (wamid\.LOAD[0-9a-f]+)\*", run.stdout)
    assert started == completed == measuring and completed >= 4  # 40 messages of 8 to 9 a conversation
    assert answered == sent and 8 * completed <= sent <= 9 * completed
    assert re.search(r"^measuring turn p95 / healthz round trip: \d+\.\d$", run.stdout, re.MULTILINE)
    families = query(database_url, FAMILIES, p=tag + "%")
    assert families == [[str(447700900000 + k), 1, 1, 1, 0] for k in range(completed)]
    assert query(database_url, "SELECT count(*) FROM inbound_messages WHERE wamid LIKE :p", p=tag + "%")[0][0] == sent
    assert outcomes == ["answered"] * sent and "flood from one number muted" not in log
    assert errors == []


def test_with_posyandu_listed_each_parent_skips_the_posyandu_question(local_env, tmp_path, database_url, graph):
    """A deployment that lists a posyandu asks a parent registering a child which one weighs it: with
    --posyandu-listed each parent taps Lewati there, and every conversation still ends in a measurement."""
    from shared.adapters.postgres import PostgresRecords, migrate, url_connector
    from shared.flows.messages import render

    migrate(PostgresRecords(url_connector(database_url)))
    query(database_url, "INSERT INTO posyandu (name, village, district) VALUES ('Melati', 'Sukamaju', 'Cibeber')")
    with serve(local_env, tmp_path / "webhook.log") as srv:
        run = run_load(srv.url, "--rate", "10", "--duration", "1", "--posyandu-listed")
        errors = srv.exceptions()
    first = [m["payload"] for m in sent_to(graph, "447700900000")]

    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    completed = int(printed(r"^conversations started \d+, completed (\d+)$", run.stdout))
    tag = printed(r"wamids (wamid\.LOAD[0-9a-f]+)\*", run.stdout)
    assert completed >= 1
    assert query(database_url, FAMILIES, p=tag + "%") == [[str(447700900000 + k), 1, 1, 1, 0] for k in range(completed)]
    assert any(p.get("interactive", {}).get("body", {}).get("text") == render("ask_posyandu", "id") for p in first)
    assert errors == []


def test_a_measuring_parent_sends_the_whole_flow_in_signed_messages_one_conversation_each():
    """Against a staging stand-in: each parent sends, in order, Halo, Setuju, a quick entry, the child's name,
    Hari ini, the position only when the entry's pb/tb does not give it, Lewati twice and Tidak; every POST signed,
    no parent twice, and --parents caps the conversations."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shared.domain.growth import ages
    from shared.flows import parsers
    from shared.flows.definitions import implied_measure
    from shared.flows.model import Context

    with deployment("staging") as stub:
        run = run_load(stub.url, "--rate", "50", "--duration", "2", "--parents", "4")

    posts = stub.posts()
    by_parent = talks(posts)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    ctx = Context(today=today, lang="id", children=(), is_staff=False, posyandu=())
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "conversations started 4, completed 4" in run.stdout.splitlines()
    assert f"sent {len(posts)}" in run.stdout.splitlines()
    assert sorted(by_parent) == [str(447700900000 + k) for k in range(4)]
    for lines in by_parent.values():
        entry = parsers.extract_quick_entry(lines[2], today=today)
        slots = {k: v.isoformat() if k == "birth_date" else v for k, v in entry.fields().items()}
        age_days = (today - entry.birth_date).days if entry.birth_date else -1
        position = [] if implied_measure(slots, ctx) else [f"@measure:{ages.usual_measure(age_days)}"]
        assert set(slots) == {"sex", "birth_date", "weight_kg", "lenhei_cm", "lenhei_label"} and not entry.problems
        assert 6 <= ages.completed_months_from_days(age_days) <= 59
        assert lines[:2] == ["Halo", "@consent:yes"] and lines[3].isalpha()
        assert lines[4:] == ["@date:today", *position, "@skip", "@skip", "@no"]
    assert all(check_signature(body, headers, SECRET) is None for body, headers in posts)
    wamids = [json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for body, _ in posts]
    assert len(set(wamids)) == len(posts)


def test_a_conversation_stops_at_an_answer_other_than_200_and_the_run_fails():
    """A deployment answering 503 (Meta would redeliver): each conversation stops after its first message, none
    completes, and the run exits 1."""
    with deployment("staging", post_status=503) as stub:
        run = run_load(stub.url, "--rate", "20", "--duration", "1")

    by_parent = talks(stub.posts())
    assert run.returncode == 1
    assert by_parent and all(lines == ["Halo"] for lines in by_parent.values())
    assert f"conversations started {len(by_parent)}, completed 0" in run.stdout.splitlines()
    assert f"answered 503: {len(by_parent)}" in run.stdout.splitlines()


def test_a_hello_run_against_the_local_webhook_is_answered_and_recorded_once_per_message(local_env, tmp_path,
                                                                                        database_url):
    """--flow hello, 5 messages/s for 2 s at the real webhook on loopback: every one answered 200 and one inbound
    row each."""
    with serve(local_env, tmp_path / "webhook.log") as srv:
        run = run_load(srv.url, "--rate", "5", "--duration", "2", "--flow", "hello")
        errors = srv.exceptions()

    assert run.returncode == 0, run.stderr[-2000:]
    sent = int(printed(r"^sent (\d+)$", run.stdout))
    answered = int(printed(r"^answered 200: (\d+)$", run.stdout))
    tag = printed(r"wamids (wamid\.LOAD[0-9a-f]+)\*", run.stdout)
    assert (sent, answered) == (10, 10)
    assert re.search(r"^p95 / healthz round trip: \d+\.\d$", run.stdout, re.MULTILINE)
    rows = query(database_url, "SELECT count(*), count(DISTINCT wa_hash) FROM inbound_messages WHERE wamid LIKE :p",
                 p=tag + "%")[0]
    total = query(database_url, "SELECT count(*) FROM inbound_messages")[0][0]
    assert (rows[0], rows[1], total) == (sent, sent, sent)  # one parent per message by default
    assert errors == []


def test_a_deployment_that_says_staging_gets_signed_messages_from_drama_numbers():
    """A server whose /healthz says staging is loaded (--flow hello): every POST carries a valid signature, from a
    distinct parent in the drama range."""
    with deployment("staging") as stub:
        run = run_load(stub.url, "--rate", "5", "--duration", "1", "--flow", "hello")

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
    (["--rate", "50", "--duration", "60", "--parents", "10", "--flow", "hello"], SECRET, "flood limit"),
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
