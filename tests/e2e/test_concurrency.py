"""The webhook under concurrent, repeated and failing deliveries, served by the real functions-framework CLI.

Each test starts its own server (gunicorn: 2 workers x 8 threads, so both the in-process and the cross-process
paths are exercised) on a free loopback port against this test's database, Redis and Graph API stand-in, and
checks what reached the stand-in and PostgreSQL: nothing lost, nothing duplicated, never a 500.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.servers import Server, serve
from tests.e2e.servers import free_port as _free_port
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SLOW_DOWN = "Pesan Anda banyak sekali"
T0 = 1_700_000_000


# --- a real server ----------------------------------------------------------------------------------------------------

@pytest.fixture
def server(local_env, tmp_path):
    with serve(local_env, tmp_path / "webhook.log") as srv:
        yield srv


class Db:
    def __init__(self, url: str):
        import pg8000.native

        u = urlsplit(url)
        self.conn = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:],
                                             password=u.password)

    def one(self, sql: str, **params):
        rows = self.conn.run(sql, **params)
        return rows[0][0] if rows else None


@pytest.fixture
def db(database_url):
    conn = Db(database_url)
    yield conn
    conn.conn.close()


# --- payloads ---------------------------------------------------------------------------------------------------------

def _batch(messages=(), statuses=()) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550000000",
                                                           "phone_number_id": "100000000000001"},
             "contacts": [{"profile": {"name": "Bunda"}, "wa_id": m["from"]} for m in messages],
             "messages": list(messages), "statuses": list(statuses)}
    envelope = {"object": "whatsapp_business_account",
                "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    return json.dumps(envelope).encode()


def _text(wamid: str, wa_id: str, body: str = "Halo", ts: int = T0) -> dict:
    return {"from": wa_id, "id": wamid, "timestamp": str(ts), "type": "text", "text": {"body": body}}


def _tap(wamid: str, wa_id: str, reply_id: str, ts: int = T0) -> dict:
    return {"from": wa_id, "id": wamid, "timestamp": str(ts), "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": "Ya"}}}


def _status(wamid: str, status: str, ts: int, wa_id: str, code: int | None = None) -> dict:
    out = {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": wa_id}
    if code is not None:
        out["errors"] = [{"code": code, "title": "Message undeliverable."}]
    return out


def _at_once(server: Server, bodies: list[bytes]) -> list[int]:
    """Post every body from its own thread, released together by a barrier; the HTTP statuses in order."""
    barrier = threading.Barrier(len(bodies))

    def post(body: bytes) -> int:
        barrier.wait(timeout=30)
        return server.post(body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def _texts(graph: str, wa_id: str) -> list[str]:
    """The body text of every message the stand-in received for one number, in sending order."""
    out = []
    for m in sorted(sent_to(graph, wa_id), key=lambda m: m["seq"]):
        p = m["payload"]
        out.append(p["text"]["body"] if p["type"] == "text" else p["interactive"]["body"]["text"])
    return out


# --- tests ------------------------------------------------------------------------------------------------------------

def test_two_messages_from_one_person_at_once_are_each_handled_once_and_serially(server, db, graph):
    """Ten parents each send "Halo" and the consent tap at the same instant in two requests: both are handled
    exactly once, one after the other, every parent ends up consented whichever came first, and no 500."""
    people = [f"6281300000{n:03d}" for n in range(10)]
    bodies = [b for n, wa in enumerate(people) for b in (_batch([_text(f"wamid.H{n}", wa, ts=T0)]),
                                                         _batch([_tap(f"wamid.Y{n}", wa, "consent:yes", ts=T0 + 1)]))]

    statuses = _at_once(server, bodies)

    assert statuses == [200] * len(bodies)
    assert db.one("SELECT count(*) FROM inbound_messages") == 20
    for wa in people:
        replies = _texts(graph, wa)
        assert len(replies) == 2, replies  # one answer per message: none lost, none doubled
        assert db.one("SELECT count(*) FROM guardians WHERE wa_id = :wa", wa=wa) == 1
    assert server.exceptions() == []


def test_one_batch_is_handled_in_timestamp_order_whatever_the_array_order(server, db, graph):
    """A batch carrying the consent tap before the "Halo" it answers is handled by timestamp: the parent consents."""
    wa = "6281300001000"
    body = _batch([_tap("wamid.LATE", wa, "consent:yes", ts=T0 + 5), _text("wamid.EARLY", wa, ts=T0)])

    assert server.post(body) == 200

    assert db.one("SELECT count(*) FROM guardians WHERE wa_id = :wa", wa=wa) == 1
    assert len(_texts(graph, wa)) == 2 and db.one("SELECT count(*) FROM inbound_messages") == 2


def test_the_same_payload_five_times_at_once_is_answered_once(server, db, graph):
    """Meta redelivering one batch five times concurrently yields one inbound row and one reply."""
    wa = "6281300002000"
    body = _batch([_text("wamid.DUP", wa)])

    statuses = _at_once(server, [body] * 5)

    assert statuses == [200] * 5
    assert db.one("SELECT count(*) FROM inbound_messages") == 1
    assert len(sent_to(graph, wa)) == 1
    assert server.exceptions() == []


def test_thirty_people_at_once_all_get_their_welcome(server, db, graph):
    """Thirty first messages from thirty numbers at the same instant: thirty welcomes, thirty rows, no error."""
    people = [f"6281300003{n:03d}" for n in range(30)]

    statuses = _at_once(server, [_batch([_text(f"wamid.W{n}", wa)]) for n, wa in enumerate(people)])

    assert statuses == [200] * 30
    assert db.one("SELECT count(*) FROM inbound_messages") == 30
    assert sorted(m["to"] for m in sent_to(graph)) == people
    assert server.exceptions() == []


def test_a_flood_gets_one_slow_down_and_no_more_answers(server, db, graph, function_client):
    """25 messages from one number within a minute: 20 answered, one slow-down reply, the rest recorded unanswered.
    The rate window is the minute the messages were sent in (T0 + 0..24 s lies within one), not this clock's."""
    wa = "6281300004000"
    bodies = [_batch([_text(f"wamid.F{n:02d}", wa, "Halo", ts=T0 + n)]) for n in range(25)]

    statuses = _at_once(server, bodies)
    # The turns wait for each other (one person), so on a busy machine the last ones run past the webhook's send
    # budget and leave their replies to the scheduler: its ticks send them, a batch each, as in production.
    scheduler = function_client("scheduler", "scheduler")
    ticks = [scheduler.post("/", json={}).get_json() for _ in range(3)]

    assert statuses == [200] * 25 and ticks[-1]["outbox_pending"] == 0
    replies = _texts(graph, wa)
    assert sum(SLOW_DOWN in r for r in replies) == 1
    assert len(replies) == 21  # RATE_LIMIT (20) answers, then the single slow-down; nothing after the mute
    assert db.one("SELECT count(*) FROM inbound_messages") == 25
    assert server.exceptions() == []


def test_out_of_order_statuses_never_downgrade_and_131026_marks_unreachable(server, db, graph):
    """read, sent and delivered arriving out of order (concurrently too) leave 'read'; a failed 131026 marks the
    consented guardian unreachable."""
    wa = "6281300005000"
    assert server.post(_batch([_text("wamid.S1", wa, ts=T0)])) == 200
    first = db.one("SELECT wamid FROM outbound_messages ORDER BY sent_at LIMIT 1")
    assert first is not None

    statuses = _at_once(server, [_batch(statuses=[_status(first, "read", T0 + 30, wa)]),
                                 _batch(statuses=[_status(first, "sent", T0 + 10, wa)]),
                                 _batch(statuses=[_status(first, "delivered", T0 + 20, wa),
                                                  _status(first, "sent", T0 + 10, wa)])])
    assert server.post(_batch(statuses=[_status(first, "delivered", T0 + 20, wa)])) == 200

    assert statuses == [200, 200, 200]
    assert db.one("SELECT status FROM outbound_messages WHERE wamid = :w", w=first) == "read"

    assert server.post(_batch([_tap("wamid.S2", wa, "consent:yes", ts=T0 + 40)])) == 200
    mine = db.one("SELECT o.wamid FROM outbound_messages o JOIN guardians g ON g.id = o.guardian_id "
                  "WHERE g.wa_id = :wa ORDER BY o.sent_at DESC LIMIT 1", wa=wa)
    assert mine is not None, "the consent thanks should be an outbound message of the new guardian"
    assert db.one("SELECT unreachable_at FROM guardians WHERE wa_id = :wa", wa=wa) is None

    assert server.post(_batch(statuses=[_status(mine, "failed", T0 + 50, wa, code=131026)])) == 200

    assert db.one("SELECT unreachable_at FROM guardians WHERE wa_id = :wa", wa=wa) is not None
    assert server.exceptions() == []


def test_graph_api_down_answers_503_then_the_redelivery_sends_the_reply_once(server, db, graph):
    """A 5xx from the Graph API makes the webhook answer 503; once Meta is back, the redelivered batch gets 200 and
    the reply arrives exactly once."""
    wa = "6281300006000"
    body = _batch([_text("wamid.G1", wa)])
    requests.post(f"{graph}/_standin/fail", json={"to": wa, "code": 131000, "http_status": 500, "times": 1},
                  timeout=5).raise_for_status()

    assert server.post(body) == 503
    assert sent_to(graph, wa) == []

    db.conn.run("UPDATE outbox SET next_attempt_at = now() WHERE done_at IS NULL")
    assert server.post(body) == 200
    assert server.post(body) == 200

    assert len(sent_to(graph, wa)) == 1
    assert db.one("SELECT count(*) FROM inbound_messages") == 1
    assert server.exceptions() == []


def test_redis_down_answers_503_and_stores_nothing(local_env, tmp_path, db, graph):
    """With REDIS_URL pointing at a closed port, a signed message gets 503 (Meta retries) and nothing is stored."""
    env = dict(local_env, REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    wa = "6281300007000"

    with serve(env, tmp_path / "webhook-noredis.log") as srv:
        health = requests.get(srv.url + "/healthz", timeout=10)
        status = srv.post(_batch([_text("wamid.R1", wa)]))

    assert (health.status_code, status) == (200, 503)  # the public /healthz is liveness only: it touches no store
    if db.one("SELECT to_regclass('inbound_messages') IS NOT NULL"):
        assert db.one("SELECT count(*) FROM inbound_messages") == 0
    assert sent_to(graph, wa) == []
