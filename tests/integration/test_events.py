"""The events operators watch (shared.events), as the real services emit them on real PostgreSQL and Redis: one
message.handled per message, the result's tier once committed, the scheduler's backlog and tick, and every Graph
API refusal by Meta's code, at the level its alert needs."""
import json
import logging
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger
from shared.bootstrap import build_app
from shared.events import SPECS, Event, emit
from shared.services import scheduled
from shared.services.inbound import handle_message
from shared.whatsapp.errors import WhatsAppPermanent, WhatsAppTransient
from shared.whatsapp.outgoing import Text
from shared.whatsapp.payloads import build_message

pytestmark = pytest.mark.integration


def events(stream, event: Event) -> list[dict]:
    """The lines of one event logged so far: each line's context, with its severity and message added."""
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [{**line["context"], "severity": line["severity"], "message": line["message"]} for line in lines
            if line.get("context", {}).get("event") == event.value]


def test_a_measuring_turn_is_one_message_handled_each_and_one_result_by_its_tier(consented, ports, log_stream):
    consented.say("cowok lahir 5-5-2024 bb 8,9 pb 72 lila 10,9")
    consented.say("Budi")
    consented.say(reply_id="date:today")
    consented.say(reply_id="skip")
    last = consented.message(reply_id="no")

    handle_message(ports, last, consented.now)
    handle_message(ports, last, consented.now)  # Meta's redelivery

    handled = events(log_stream, Event.MESSAGE_HANDLED)
    assert [(e["kind"], e["outcome"]) for e in handled] == \
        [("text", "answered")] * 2 + [("interactive", "answered")] * 3 + [("interactive", "duplicate")]
    assert all(isinstance(e["latency_ms"], int) and 0 <= e["latency_ms"] < 30_000 for e in handled)
    assert [(e["tier"], e["source"]) for e in events(log_stream, Event.RESULT_ASSESSED)] == [("today", "whatsapp")]
    assert "Budi" not in log_stream.getvalue() and "8,9" not in log_stream.getvalue()


def test_a_message_kind_meta_may_add_is_counted_as_other(consented, log_stream):
    consented.say(kind="a_kind_from_the_future")

    assert [e["kind"] for e in events(log_stream, Event.MESSAGE_HANDLED)] == ["other"]


@pytest.fixture
def app(settings):
    built = build_app(settings)
    built.ensure_schema()
    return built


def test_a_tick_reports_the_backlog_without_messages_held_for_a_closed_window(app, log_stream):
    now = datetime.now(timezone.utc)
    app.records.run("INSERT INTO outbox (kind, payload, created_at, next_attempt_at, last_error) VALUES "
                    "('send', '{}', %s, %s, 'OutsideWindow'), ('sheet_upsert', '{}', %s, %s, 'BridgeTransient')",
                    (now - timedelta(days=2), now + timedelta(days=5), now - timedelta(minutes=20),
                     now + timedelta(minutes=10)))

    summary, status = scheduled.run_due(app, now=now)

    [backlog] = events(log_stream, Event.OUTBOX_BACKLOG)
    [tick] = events(log_stream, Event.SCHEDULER_TICK)
    assert status == 200 and summary["outbox_pending"] == 2
    assert (backlog["pending"], backlog["held"]) == (2, 1) and 1190 <= backlog["oldest_age_s"] <= 1300
    assert tick["outcome"] == "ok" and tick["severity"] == "INFO" and tick["seconds"] >= 0


def test_a_tick_that_fails_midway_says_so_and_raises(app, log_stream, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(scheduled.reminders, "plan", broken)

    with pytest.raises(RuntimeError):
        scheduled.run_due(app)

    [tick] = events(log_stream, Event.SCHEDULER_TICK)
    assert (tick["outcome"], tick["severity"]) == ("failed", "ERROR")


class _Graph(BaseHTTPRequestHandler):
    """Answers every send with the error the test puts in `answer` (HTTP status, Meta's error body)."""

    answer: tuple[int, dict] = (200, {})

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, doc = self.answer
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def graph():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Graph)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    messenger = WhatsAppCloudMessenger(f"http://127.0.0.1:{server.server_address[1]}/v21.0", "token", "100001",
                                       timeout_s=5)
    yield messenger
    messenger.close()
    server.shutdown()
    server.server_close()


def _meta_error(code: int) -> dict:
    return {"error": {"message": "Halo Siti +6281234567890", "type": "OAuthException", "code": code,
                      "fbtrace_id": "AbCdEf123"}}


@pytest.mark.parametrize(("status", "code", "severity", "raised"), [
    (401, 190, "CRITICAL", WhatsAppPermanent),  # the token expired: the alert fires at once
    (400, 131026, "WARNING", WhatsAppPermanent),  # undeliverable: a spike is an alert
    (400, 131047, "WARNING", WhatsAppPermanent),  # the 24-hour window closed
    (429, 131056, "WARNING", WhatsAppTransient),  # pair rate limit: retried
])
def test_every_refusal_is_a_reply_failed_with_metas_code(graph, log_stream, status, code, severity, raised):
    _Graph.answer = (status, _meta_error(code))

    with pytest.raises(raised):
        graph.send(build_message("6281234567890", Text("Halo Siti")))

    [failed] = events(log_stream, Event.REPLY_FAILED)
    assert (failed["code"], failed["severity"], failed["type"]) == (code, severity, "text")
    assert failed["transient"] is (raised is WhatsAppTransient)
    assert "Siti" not in log_stream.getvalue() and "1234567890" not in log_stream.getvalue()


def test_a_send_is_a_reply_sent_by_type(graph, log_stream):
    _Graph.answer = (200, {"messages": [{"id": "wamid.1"}]})

    graph.send(build_message("6281234567890", Text("Halo")))

    [sent] = events(log_stream, Event.REPLY_SENT)
    assert sent["type"] == "text" and len(sent["wa"]) == 16


def test_an_unreachable_graph_is_a_transient_reply_failed(log_stream):
    messenger = WhatsAppCloudMessenger("http://127.0.0.1:9/v21.0", "token", "100001", timeout_s=2)

    with pytest.raises(WhatsAppTransient):
        messenger.send(build_message("6281234567890", Text("Halo")))

    [failed] = events(log_stream, Event.REPLY_FAILED)
    assert (failed["code"], failed["transient"]) == ("unreachable", True)


def test_an_event_takes_only_its_declared_fields(log_stream):
    with pytest.raises(ValueError, match="latency"):
        emit(logging.getLogger("t"), Event.MESSAGE_HANDLED, kind="text", outcome="answered", latency=3)

    assert set(SPECS) == set(Event) and log_stream.getvalue() == ""
