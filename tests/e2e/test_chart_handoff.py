"""A result's chart, handed off: webhook → Cloud Tasks stand-in → scheduler function's task endpoint → Graph
API stand-in, all over real HTTP (the webhook through functions-framework's client, the rest as servers)."""
import json
import threading
from pathlib import Path

import pytest
import requests
from functions_framework import create_app
from werkzeug.serving import make_server

from shared.whatsapp.webhook import sign
from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
WA = "6281200000007"
QUEUE = "projects/local/locations/local/queues/tumbuh-sends"


def _serve(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}"


@pytest.fixture
def handoff(function_client, monkeypatch):
    """The webhook's test client, with the Cloud Tasks stand-in and the scheduler function served on loopback."""
    from shared.adapters.local.tasks_standin import make_app

    function_client("scheduler", "scheduler")  # sets this test's environment before the servers are built
    tasks_app = make_app()
    tasks_httpd, tasks_url = _serve(tasks_app)
    scheduler_httpd, scheduler_url = _serve(create_app("scheduler", str(REPO / "functions/scheduler/main.py")))
    monkeypatch.setenv("TASKS_API_URL", f"{tasks_url}/v2")
    monkeypatch.setenv("TASKS_QUEUE", QUEUE)
    monkeypatch.setenv("TASKS_TARGET_URL", f"{scheduler_url}/tasks/deliver")
    yield function_client("webhook", "whatsapp_webhook"), tasks_app.extensions["tasks_standin"], tasks_url
    for httpd in (tasks_httpd, scheduler_httpd):
        httpd.shutdown()


class Phone:
    """Signed Cloud API posts from one number, numbered like Meta's ids."""

    def __init__(self, client):
        self.client, self.n = client, 0

    def post(self, text: str = "", reply_id: str = ""):
        self.n += 1
        message = {"from": WA, "id": f"wamid.HANDOFF{self.n}", "timestamp": str(1_764_000_000 + self.n)}
        if reply_id:
            message.update(type="interactive", interactive={"type": "button_reply",
                                                            "button_reply": {"id": reply_id, "title": "x"}})
        else:
            message.update(type="text", text={"body": text})
        change = {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [message]}}
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]})
        resp = self.client.post("/", data=body.encode(), content_type="application/json",
                                headers={"X-Hub-Signature-256": sign(body.encode(), "test-app-secret")})
        assert resp.status_code == 200, resp.data
        return resp


def test_the_webhook_answers_at_once_and_the_chart_follows_through_cloud_tasks(handoff, graph):
    """The categories go from the webhook; the advice under the child's chart arrives from the task endpoint,
    with the picture uploaded to the Graph API and referenced by media id."""
    client, tasks, tasks_url = handoff
    phone = Phone(client)
    phone.post("Halo")
    phone.post(reply_id="consent:yes")
    phone.post("cewek lahir 3-1-2024 bb 8,0 pb 70 tgl ukur 3-2-2025")
    phone.post("Ani")
    phone.post(reply_id="skip")
    phone.post(reply_id="skip")
    phone.post(reply_id="no")  # no oedema: the result

    assert tasks.wait_idle(10)
    (task,) = requests.get(f"{tasks_url}/_standin/tasks", timeout=5).json()["tasks"]
    advice = sent_to(graph, WA)[-1]
    header = advice["payload"]["interactive"]["header"]

    assert task["last_status"] == 200 and task["done"] and list(task["body"]) == ["outbox_ids"]
    assert "Ani" in sent_to(graph, WA)[-2]["payload"]["text"]["body"]
    assert header["type"] == "image" and Path(advice["media_path"]).read_bytes()[:4] == b"\x89PNG"


def test_a_task_delivered_twice_sends_nothing_twice(handoff, graph):
    """Cloud Tasks is at least once: the same body posted again to the task endpoint claims no row."""
    client, tasks, tasks_url = handoff
    phone = Phone(client)
    for step in ("Halo", "consent:yes", "cowok lahir 3-1-2024 bb 9,1 pb 76 tgl ukur 3-2-2025", "Budi", "skip",
                 "skip", "no"):
        phone.post(reply_id=step) if ":" in step or step in ("skip", "no") else phone.post(step)
    assert tasks.wait_idle(10)
    (task,) = requests.get(f"{tasks_url}/_standin/tasks", timeout=5).json()["tasks"]
    before = len(sent_to(graph, WA))

    again = requests.post(task["url"], json=task["body"], timeout=10)

    assert again.status_code == 200 and again.json()["claimed"] == 0
    assert len(sent_to(graph, WA)) == before


@pytest.mark.parametrize("body", [None, {}, {"outbox_ids": []}, {"outbox_ids": ["1"]}, {"outbox_ids": [-1]},
                                  {"outbox_ids": list(range(1, 60))}, [1, 2]])
def test_a_malformed_task_body_is_a_400(function_client, body):
    """The task endpoint says what it expects instead of failing on a body it cannot use."""
    client = function_client("scheduler", "scheduler")

    resp = client.post("/tasks/deliver", data=json.dumps(body), content_type="application/json")

    assert resp.status_code == 400 and "outbox_ids" in resp.get_json()["error"]


def test_the_task_endpoint_takes_only_posts(function_client):
    assert function_client("scheduler", "scheduler").get("/tasks/deliver").status_code == 405
