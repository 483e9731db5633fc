"""Cloud Monitoring's alerts for the operators, end to end: POST /ops/alert?token=… on the webhook function sends each
OPERATOR_WA number the utility template through the Graph API stand-in, throttled in the test's own Redis."""
import json

import pytest
import requests

from shared.services.alerts import ALERT_TEMPLATE, PATH
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

TOKEN = "alert-token-for-e2e-tests-only-7c1d9e"
OPERATORS = {"0812-3456-7890": "6281234567890", "+62 813 9876 5432": "6281398765432"}  # as typed: as Meta's wa_id


def _incident(incident_id="0.lj2va6zdkemq", state="open", policy="Tumbuh: webhook answers 5xx") -> bytes:
    """A notification as Cloud Monitoring posts it to a webhook channel (schema 1.2)."""
    return json.dumps({
        "incident": {
            "incident_id": incident_id,
            "scoping_project_id": "tumbuh-prod",
            "resource_name": "tumbuh-webhook",
            "started_at": 1755415500,  # 2025-08-17 07:25 UTC
            "ended_at": None if state == "open" else 1755416100,
            "policy_name": policy,
            "policy_user_labels": {"app": "tumbuh", "alert": "webhook-5xx"},
            "condition_name": "5xx answers in 5 minutes",
            "url": f"https://console.cloud.google.com/monitoring/alerting/incidents/{incident_id}",
            "documentation": {"content": "docs/operations.md#alert-webhook-5xx", "mime_type": "text/markdown"},
            "state": state,
            "summary": "5xx answers for tumbuh-webhook are above the threshold of 3 with a value of 12.",
        },
        "version": "1.2",
    }).encode()


@pytest.fixture
def client(function_client, monkeypatch):
    """The webhook function with two operator numbers and the alert token configured."""
    monkeypatch.setenv("OPERATOR_WA", ",".join(OPERATORS))
    monkeypatch.setenv("ALERT_TOKEN", TOKEN)
    return function_client("webhook", "whatsapp_webhook")


def _post(client, body: bytes, token: str | None = TOKEN):
    query = {"token": token} if token is not None else {}
    return client.post(PATH, data=body, query_string=query, content_type="application/json")


def _templates(graph: str) -> dict[str, list[tuple]]:
    """Per operator wa_id, the (template name, language, body parameters) the stand-in received."""
    out: dict[str, list[tuple]] = {}
    for wa_id in OPERATORS.values():
        for m in sent_to(graph, wa_id):
            template = m["payload"]["template"]
            params = tuple(p["text"] for c in template["components"] if c["type"] == "body" for p in c["parameters"])
            out.setdefault(wa_id, []).append((template["name"], template["language"]["code"], params))
    return out


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_an_incident_reaches_every_operator_as_the_template(client, graph, log_stream):
    """Each operator number gets tumbuh_peringatan_operator with the policy, state, WIB start and alert code; the
    log line says the incident's hash, state and counts, and no number."""
    resp = _post(client, _incident())

    assert (resp.status_code, resp.get_json()) == (200, {"ok": True, "sent": 2, "throttled": 0, "failed": 0})
    expected = (ALERT_TEMPLATE, "id", ("Tumbuh: webhook answers 5xx", "TERBUKA, perlu ditangani",
                                       "17 Agustus 2025 pukul 14.25 WIB", "webhook-5xx"))
    assert _templates(graph) == {wa_id: [expected] for wa_id in OPERATORS.values()}
    alert_lines = [e for e in _lines(log_stream) if e["message"] == "operator alert"]
    assert len(alert_lines) == 1
    context = alert_lines[0]["context"]
    assert {k: context[k] for k in ("state", "operators", "sent", "throttled", "failed")} == {
        "state": "open", "operators": 2, "sent": 2, "throttled": 0, "failed": 0}
    assert len(context["incident"]) == 16 and "lj2va6zdkemq" not in log_stream.getvalue()
    logged = log_stream.getvalue()
    for typed, wa_id in OPERATORS.items():
        assert typed not in logged and wa_id not in logged and wa_id[2:] not in logged
    assert "webhook answers 5xx" not in logged and "####" not in logged  # nothing even needed masking


def test_a_flapping_policy_is_told_once_in_30_minutes_but_each_close_once(client, graph):
    """A second "open" of the same policy (a new incident) within 30 minutes sends nothing; its "closed" is sent,
    and the same "closed" redelivered is not sent again."""
    first = _post(client, _incident("0.first"))
    again = _post(client, _incident("0.second"))
    closed = _post(client, _incident("0.second", state="closed"))
    redelivered = _post(client, _incident("0.second", state="closed"))

    assert [r.status_code for r in (first, again, closed, redelivered)] == [200, 200, 200, 200]
    assert [again.get_json()["throttled"], closed.get_json()["sent"], redelivered.get_json()["throttled"]] == [2, 2, 2]
    states = {wa_id: [t[2][1] for t in sent] for wa_id, sent in _templates(graph).items()}
    assert states == {wa_id: ["TERBUKA, perlu ditangani", "SELESAI, sudah pulih"] for wa_id in OPERATORS.values()}


def test_another_policy_is_not_throttled_by_the_first(client, graph):
    """The throttle is per policy: a different policy opening within the 30 minutes is still told."""
    _post(client, _incident("0.a"))

    resp = _post(client, _incident("0.b", policy="Tumbuh: scheduler ticks failing"))

    assert resp.get_json()["sent"] == 2
    assert all(len(sent) == 2 for sent in _templates(graph).values())


def test_a_failed_send_is_counted_and_the_other_operator_still_told(client, graph):
    """Meta refusing one number (undeliverable) does not stop the other, and the answer says so (200)."""
    first = next(iter(OPERATORS.values()))
    requests.post(f"{graph}/_standin/fail", json={"to": first, "code": 131026}, timeout=5).raise_for_status()

    resp = _post(client, _incident())

    assert (resp.status_code, resp.get_json()) == (200, {"ok": True, "sent": 1, "throttled": 0, "failed": 1})
    assert list(_templates(graph)) == [OPERATORS["+62 813 9876 5432"]]


@pytest.mark.parametrize("token", ["wrong-" + TOKEN, TOKEN.upper(), "", None], ids=["wrong", "case", "empty", "none"])
def test_a_wrong_or_missing_token_is_403_and_nothing_is_sent(client, graph, token):
    """Only the channel's own token passes (compared in constant time)."""
    resp = _post(client, _incident(), token=token)

    assert resp.status_code == 403
    assert sent_to(graph) == []


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"incident": {"incident_id": "0.x", "state": "open"}}',
                                  "é".encode("latin-1")])
def test_a_junk_body_is_400_never_500(client, graph, body):
    """With the right token, a body that is not an incident is a bad request, and nothing is sent."""
    assert _post(client, body).status_code == 400
    assert sent_to(graph) == []


def test_without_operator_numbers_alerts_are_off_404(function_client, graph, monkeypatch):
    """No OPERATOR_WA: the route answers 404 whatever the token, and nothing is sent."""
    monkeypatch.delenv("OPERATOR_WA", raising=False)
    monkeypatch.setenv("ALERT_TOKEN", TOKEN)
    client = function_client("webhook", "whatsapp_webhook")

    assert _post(client, _incident()).status_code == 404
    assert sent_to(graph) == []


def test_only_post_is_taken(client, graph):
    """GET (Meta's handshake shape included) and PUT on the alert path are 405, not the WhatsApp handshake."""
    handshake = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "4242",
                 "token": TOKEN}

    answers = [client.get(PATH, query_string=handshake).status_code,
               client.put(PATH, query_string={"token": TOKEN}, data=_incident()).status_code]

    assert answers == [405, 405]
    assert sent_to(graph) == []
