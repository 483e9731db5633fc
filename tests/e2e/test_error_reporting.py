"""A bug, end to end: exactly one log line with its stack trace, in the shape Error Reporting groups, whether it is
caught around one message (the webhook goes on with the batch) or reaches the entry point's own handler."""
import json

import pytest

from shared.logs import REPORTED_ERROR_EVENT
from shared.whatsapp.webhook import sign
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

WA_ID = "6281200000001"


def _traced(stream) -> list[dict]:
    """The JSON lines logged with a stack trace."""
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [entry for entry in lines if "stack_trace" in entry]


def _broken(*_args, **_kwargs):
    raise RuntimeError(f"bug while serving {WA_ID}")


@pytest.fixture(autouse=True)
def off_the_platform(monkeypatch):
    """As locally: no Cloud Run service names the line, so the function's own name does."""
    monkeypatch.delenv("K_SERVICE", raising=False)
    monkeypatch.delenv("K_REVISION", raising=False)


def test_a_bug_in_one_messages_handling_is_reported_once(function_client, graph, log_stream, monkeypatch):
    """The webhook catches a bug around the message, logs it and apologises: one line with the trace, named for
    the webhook, not logged again by the entry point, and without the number."""
    from shared.flows import parsers

    monkeypatch.setattr(parsers, "greeting", _broken)  # the conversation reads a greeting in every first text
    client = function_client("webhook", "whatsapp_webhook")
    message = {"from": WA_ID, "id": "wamid.BUG1", "timestamp": "1700000000", "type": "text",
               "text": {"body": "Selamat pagi"}}
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}).encode()

    resp = client.post("/", data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": sign(body, "test-app-secret")})

    assert resp.status_code == 200
    assert [m["payload"]["type"] for m in sent_to(graph, WA_ID)] == ["text"]  # the apology
    traced = _traced(log_stream)
    assert len(traced) == 1, [t["message"][:80] for t in traced]
    entry = traced[0]
    assert (entry["serviceContext"]["service"], entry["@type"]) == ("whatsapp_webhook", REPORTED_ERROR_EVENT)
    assert entry["message"].startswith("message dropped by a bug\nTraceback (most recent call last):")
    assert "in _broken\nRuntimeError: <withheld" in entry["stack_trace"]
    assert WA_ID not in log_stream.getvalue()


def test_a_bug_reaching_the_entry_point_is_reported_once_as_request_failed(function_client, log_stream,
                                                                           monkeypatch):
    """A bug in the scheduler's tick reaches the entry point's handler: 500, and one request.failed line with the
    trace, named for the scheduler."""
    from shared.services import reminders

    monkeypatch.setattr(reminders, "plan", _broken)  # the tick's first step
    client = function_client("scheduler", "scheduler")

    resp = client.post("/", json={})

    assert resp.status_code == 500
    traced = _traced(log_stream)
    assert len(traced) == 1, [t["message"][:80] for t in traced]
    entry = traced[0]
    assert (entry["context"]["event"], entry["context"]["function"]) == ("request.failed", "scheduler")
    assert (entry["serviceContext"]["service"], entry["@type"]) == ("scheduler", REPORTED_ERROR_EVENT)
    assert entry["message"].startswith("request failed\nTraceback (most recent call last):")
    assert "in _broken\nRuntimeError: <withheld" in entry["stack_trace"]
