"""The three entry points end to end: signed webhook posts, the handshake, health, and failure answers."""
import json

import pytest

from shared.whatsapp.webhook import sign
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

SECRET = "test-app-secret"


def _envelope(text="Halo kak 👶"):
    message = {"from": "6281200000001", "id": "wamid.E2E1", "timestamp": "1700000000", "type": "text",
               "text": {"body": text}}
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def _post(client, body: bytes, secret=SECRET, **headers):
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return client.post("/", data=body, headers=headers, content_type="application/json")


def test_webhook_answers_a_signed_message_with_emoji_through_the_graph_api(function_client, graph):
    """A signed Cloud API batch (emoji escaped as Meta sends it) is answered: the consent question is sent."""
    client = function_client("webhook", "whatsapp_webhook")
    body = json.dumps(_envelope()).encode()

    resp = _post(client, body)

    assert resp.status_code == 200
    assert resp.get_json() == {"messages": 1, "statuses": 0}
    sent = sent_to(graph, "6281200000001")
    assert len(sent) == 1 and sent[0]["payload"]["type"] == "interactive"
    assert "Persetujuan data" in sent[0]["payload"]["interactive"]["body"]["text"]


def test_the_same_payload_posted_twice_is_answered_once(function_client, graph):
    """Meta's redelivery of a batch produces no second reply."""
    client = function_client("webhook", "whatsapp_webhook")
    body = json.dumps(_envelope()).encode()

    statuses = [_post(client, body).status_code for _ in range(2)]

    assert statuses == [200, 200]
    assert len(sent_to(graph, "6281200000001")) == 1


@pytest.mark.parametrize("secret,status", [(None, 401), ("someone-else", 403)])
def test_webhook_refuses_unsigned_or_wrongly_signed_posts(function_client, secret, status):
    """No signature is 401, a wrong one 403, and nothing is processed."""
    client = function_client("webhook", "whatsapp_webhook")

    assert _post(client, json.dumps(_envelope()).encode(), secret=secret).status_code == status


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"object":"instagram","entry":[]}', "é".encode("latin-1")])
def test_webhook_answers_400_to_malformed_signed_bodies(function_client, body):
    """A correctly signed but malformed body is a bad request, never a 500."""
    client = function_client("webhook", "whatsapp_webhook")

    assert _post(client, body).status_code == 400


def test_webhook_verification_handshake(function_client):
    """Meta's GET handshake returns the challenge with the right token and 403 otherwise."""
    client = function_client("webhook", "whatsapp_webhook")
    good = {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "4242"}

    ok = client.get("/", query_string=good)
    bad = client.get("/", query_string=dict(good, **{"hub.verify_token": "nope"}))

    assert (ok.status_code, ok.get_data(as_text=True), bad.status_code) == (200, "4242", 403)


def test_webhook_refuses_other_methods(function_client):
    """PUT and friends are 405, not processed."""
    assert function_client("webhook", "whatsapp_webhook").put("/").status_code == 405


@pytest.mark.parametrize("name,target", [("scheduler", "scheduler"), ("backup", "backup")])
def test_private_functions_report_health_and_migrate_on_first_request(function_client, name, target, database_url):
    """/healthz behind IAM answers 200 and its environment with both stores up; the first request applied the schema."""
    import pg8000.native
    from urllib.parse import urlsplit

    resp = function_client(name, target).get("/healthz")

    assert resp.status_code == 200 and resp.get_json() == {"postgres": "ok", "redis": "ok", "ok": True, "env": "local"}
    u = urlsplit(database_url)
    conn = pg8000.native.Connection(u.username, host=u.hostname, port=u.port, database=u.path[1:])
    assert conn.run("SELECT count(*) FROM schema_migrations")[0][0] >= 1
    conn.close()


def test_public_webhook_health_is_liveness_only(function_client, monkeypatch):
    """Anyone can reach the webhook's /healthz: it says the instance lives and its environment, nothing about the
    stores (both down)."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://tumbuh@127.0.0.1:1/tumbuh")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")

    resp = function_client("webhook", "whatsapp_webhook").get("/healthz")

    assert (resp.status_code, resp.get_json()) == (200, {"ok": True, "env": "local"})


def test_scheduler_tick_reports_pending_outbox(function_client):
    """A scheduler tick answers a JSON summary with the outbox backlog."""
    resp = function_client("scheduler", "scheduler").post("/", json={})

    assert resp.status_code == 200
    assert resp.get_json()["outbox_pending"] == 0


def test_backup_makes_tonights_backup_once(function_client, tmp_path, monkeypatch):
    """Cloud Scheduler's POST makes tonight's backup (200, its figures); its retry finds it made and adds nothing."""
    monkeypatch.setenv("BACKUP_BUCKET", str(tmp_path / "nightly"))
    client = function_client("backup", "backup")

    first = client.post("/", json={})
    files = sorted(p for p in (tmp_path / "nightly").rglob("*") if p.is_file())
    again = client.post("/", json={})

    assert first.status_code == 200 and first.get_json()["done_before"] is False
    assert first.get_json()["tables"] >= 10 and any(p.name == "manifest.json" for p in files)
    assert again.status_code == 200 and again.get_json()["done_before"] is True
    assert sorted(p for p in (tmp_path / "nightly").rglob("*") if p.is_file()) == files


def test_database_down_means_503_so_meta_retries(function_client, monkeypatch):
    """With PostgreSQL unreachable at cold start, the webhook answers 503 (retry), never 500."""
    monkeypatch.setenv("DATABASE_URL", "postgresql://tumbuh@127.0.0.1:1/tumbuh")
    client = function_client("webhook", "whatsapp_webhook")

    assert _post(client, json.dumps(_envelope()).encode()).status_code == 503


def test_redis_down_makes_health_503(function_client, monkeypatch):
    """With Redis unreachable, /healthz says which store is down and answers 503."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")

    resp = function_client("scheduler", "scheduler").get("/healthz")

    assert resp.status_code == 503 and resp.get_json()["redis"] == "down"


def test_production_misconfiguration_answers_503_and_names_nothing_secret(function_client, monkeypatch, capsys):
    """TUMBUH_ENV=prod with local backends is refused at cold start: 503, and the log says what is missing."""
    monkeypatch.setenv("TUMBUH_ENV", "prod")

    resp = _post(function_client("webhook", "whatsapp_webhook"), b"{}")

    assert resp.status_code == 503
    out = capsys.readouterr().out
    assert "APPS_SCRIPT_SECRET is empty" in out and "test-app-secret" not in out
