"""CloudTasksQueue and the Cloud Tasks stand-in over real loopback HTTP: createTask, dispatch, retries and errors."""
import base64
import json
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shared.adapters.cloud_tasks import CloudTasksQueue, TasksRefused, TasksUnavailable
from shared.adapters.http_pool import HttpPool
from shared.adapters.local.tasks_standin import LOCAL_OIDC_TOKEN, make_app
from shared.errors import PermanentError, TransientError

pytestmark = pytest.mark.integration

PROJECT_QUEUE = "projects/tumbuh-test/locations/asia-southeast2/queues/charts"
SERVICE_ACCOUNT = "tasks-invoker@tumbuh-test.iam.gserviceaccount.com"
BODY = {"rows": [41, 42], "kind": "chart"}
REPO = Path(__file__).resolve().parents[2]
_http = HttpPool(connect_timeout_s=2, read_timeout_s=5)


class FakeServer:
    """A loopback HTTP server that records every request and answers with queued replies, then a default one."""

    def __init__(self, default: tuple[int, object] = (200, {"ok": True})):
        self.default = default
        self.replies: list[tuple[int, object]] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._httpd = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    def _app(self, environ, start_response):
        req = Request(environ)
        with self._lock:
            self.requests.append({"method": req.method, "path": req.full_path.rstrip("?"), "body": req.get_data(),
                                  "headers": {k.lower(): v for k, v in req.headers.items()}, "at": time.time()})
            status, payload = self.replies.pop(0) if self.replies else self.default
        return Response(json.dumps(payload), status=status, content_type="application/json")(environ, start_response)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def serve(app):
    """Run a WSGI app on a free loopback port in a thread; returns (url, stop)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()

    def stop():
        httpd.shutdown()
        thread.join(5)
    return f"http://127.0.0.1:{httpd.server_port}", stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def standin_server():
    """The stand-in with fast retries (4 attempts, 0.05 s doubling), shared by this module."""
    app = make_app(max_attempts=4, first_backoff_s=0.05)
    url, stop = serve(app)
    yield url, app.extensions["tasks_standin"]
    app.extensions["tasks_standin"].stop()
    stop()


@pytest.fixture(scope="module")
def held_server():
    """A stand-in in hold mode."""
    app = make_app(hold=True)
    url, stop = serve(app)
    yield url, app.extensions["tasks_standin"]
    stop()


@pytest.fixture
def standin(standin_server):
    """The stand-in's root URL and store, emptied before the test."""
    url, store = standin_server
    store.reset()
    return url, store


@pytest.fixture
def target():
    """The function Cloud Tasks calls: records each delivery, answers 200 unless told otherwise."""
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def fake_api():
    """Something at the Cloud Tasks URL that answers like createTask and records what it was sent."""
    server = FakeServer(default=(200, {"name": f"{PROJECT_QUEUE}/tasks/123", "view": "BASIC"}))
    yield server
    server.close()


@pytest.fixture
def metadata():
    """A metadata server handing out one token valid for an hour."""
    server = FakeServer(default=(200, {"access_token": "ya29.local-token", "expires_in": 3599,
                                       "token_type": "Bearer"}))
    yield server
    server.close()


def queue_for(api_root: str, target_url: str, **kwargs) -> CloudTasksQueue:
    """The adapter pointed at a loopback server: no token unless a test asks for one (auth=True)."""
    return CloudTasksQueue(f"{api_root}/v2", PROJECT_QUEUE, target_url, **{"auth": False, **kwargs})


def create_raw(api_root: str, payload, queue: str = PROJECT_QUEUE) -> tuple[int, dict]:
    """POST a createTask body as given (bytes sent verbatim) and return (status, JSON answer)."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    status, _headers, body = _http.request("POST", f"{api_root}/v2/{queue}/tasks", data,
                                           {"Content-Type": "application/json"})
    return status, json.loads(body)


def http_task(url: str, **fields) -> dict:
    return {"task": {"httpRequest": {"url": url, **fields}}}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- Delivery through the stand-in ------------------------------------------------------------------------------

def test_hand_off_delivers_the_exact_json_body_with_cloud_tasks_headers(standin, target):
    """The target receives one POST with the body as JSON, the OIDC bearer and Cloud Tasks' service headers."""
    url, store = standin

    queue_for(url, f"{target.url}/tasks/deliver", service_account=SERVICE_ACCOUNT).hand_off(BODY)
    assert store.wait_idle(5)

    [got] = target.requests
    task = store.snapshot()[0]
    assert (got["method"], got["path"]) == ("POST", "/tasks/deliver")
    assert json.loads(got["body"]) == BODY and got["headers"]["content-type"] == "application/json"
    assert got["headers"]["authorization"] == f"Bearer {LOCAL_OIDC_TOKEN}"
    assert got["headers"]["x-cloudtasks-queuename"] == "charts"
    assert task["name"] == f"{PROJECT_QUEUE}/tasks/{got['headers']['x-cloudtasks-taskname']}"
    assert got["headers"]["x-cloudtasks-taskname"].isdigit()
    assert (got["headers"]["x-cloudtasks-taskretrycount"], got["headers"]["x-cloudtasks-taskexecutioncount"]) \
        == ("0", "0")
    assert (task["body"], task["attempts"], task["last_status"], task["done"]) == (BODY, 1, 200, True)


def test_task_without_service_account_reaches_the_target_unauthenticated(standin, target):
    """With no service account the task carries no OIDC token, so the target sees no Authorization header."""
    url, store = standin

    queue_for(url, f"{target.url}/tasks/deliver").hand_off(BODY)
    assert store.wait_idle(5)

    [got] = target.requests
    assert "authorization" not in got["headers"] and json.loads(got["body"]) == BODY


def test_failed_delivery_is_retried_until_the_target_answers_2xx(standin, target):
    """Two 503 answers are retried with growing waits; the third attempt succeeds and counts as retry 2."""
    url, store = standin
    target.replies = [(503, {}), (503, {})]

    queue_for(url, f"{target.url}/tasks/deliver").hand_off(BODY)
    assert store.wait_idle(5)

    assert [r["headers"]["x-cloudtasks-taskretrycount"] for r in target.requests] == ["0", "1", "2"]
    assert [r["headers"]["x-cloudtasks-taskexecutioncount"] for r in target.requests] == ["0", "0", "0"]
    assert target.requests[2]["headers"]["x-cloudtasks-taskpreviousresponse"] == "503"
    assert all(json.loads(r["body"]) == BODY for r in target.requests)
    gaps = [b["at"] - a["at"] for a, b in zip(target.requests, target.requests[1:])]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09  # 0.05 s, then doubled
    task = store.snapshot()[0]
    assert (task["attempts"], task["last_status"], task["done"]) == (3, 200, True)


def test_delivery_gives_up_after_max_attempts(standin, target):
    """A target that always fails gets exactly max_attempts deliveries, then the task is given up."""
    url, store = standin
    target.default = (500, {})

    queue_for(url, f"{target.url}/tasks/deliver").hand_off(BODY)
    assert store.wait_idle(5)  # returns once the task is given up: the workers never pick it again

    task = store.snapshot()[0]
    assert len(target.requests) == 4
    assert (task["attempts"], task["last_status"], task["done"], task["given_up"]) == (4, 500, False, True)


def test_unreachable_target_counts_as_a_failed_attempt(standin):
    """No answer at all (closed port) is retried like a non-2xx and recorded as an error."""
    url, store = standin

    queue_for(url, f"http://127.0.0.1:{free_port()}/tasks/deliver").hand_off(BODY)
    assert store.wait_idle(5)

    task = store.snapshot()[0]
    assert (task["attempts"], task["last_status"], task["given_up"]) == (4, None, True)
    assert "HttpUnreachable" in task["last_error"]


# --- createTask contract ------------------------------------------------------------------------------------------

def test_create_task_answers_the_basic_task_resource(standin, target):
    """createTask answers the Task: generated numeric name under the queue, RFC 3339 times, no body in BASIC view."""
    url, store = standin
    payload = http_task(f"{target.url}/tasks/deliver", httpMethod="POST", headers={"Content-Type": "application/json"},
                        body=b64(b'{"a":1}'), oidcToken={"serviceAccountEmail": SERVICE_ACCOUNT})

    status, task = create_raw(url, payload)

    assert status == 200
    assert task["name"].startswith(PROJECT_QUEUE + "/tasks/") and task["name"].rpartition("/")[2].isdigit()
    assert (task["view"], task["dispatchCount"], task["responseCount"]) == ("BASIC", 0, 0)
    assert task["httpRequest"] == {"url": f"{target.url}/tasks/deliver", "httpMethod": "POST",
                                   "headers": {"Content-Type": "application/json"},
                                   "oidcToken": {"serviceAccountEmail": SERVICE_ACCOUNT}}
    created = datetime.fromisoformat(task["createTime"].replace("Z", "+00:00"))
    assert abs(created.timestamp() - time.time()) < 5 and task["scheduleTime"].endswith("Z")
    assert store.wait_idle(5) and json.loads(target.requests[0]["body"]) == {"a": 1}


GOOD_URL = "http://127.0.0.1:9/tasks/deliver"


@pytest.mark.parametrize("payload", [
    b"{not json",
    [1, 2],
    {},
    {"task": {}},
    {"task": {"httpRequest": {}}},
    http_task("ftp://127.0.0.1/tasks"),
    http_task("http:///no-host"),
    http_task(GOOD_URL + "?" + "x" * 2100),
    http_task(GOOD_URL, httpMethod="FETCH"),
    http_task(GOOD_URL, headers=["Content-Type"]),
    http_task(GOOD_URL, headers={"X-Count": 3}),
    http_task(GOOD_URL, body="not base64!"),
    http_task(GOOD_URL, httpMethod="GET", body=b64(b"{}")),
    http_task(GOOD_URL, oidcToken={}),
    http_task(GOOD_URL, bodyText="{}"),
    # Fields CloudTasksQueue never sends: refused, so that a client starting to send one does not pass unnoticed.
    http_task(GOOD_URL, oauthToken={}),
    {"task": {"httpRequest": {"url": GOOD_URL}, "scheduleTime": "2030-01-01T00:00:00Z"}},
    {"task": {"httpRequest": {"url": GOOD_URL}, "dispatchDeadline": "60s"}},
    {"task": {"httpRequest": {"url": GOOD_URL}, "name": f"{PROJECT_QUEUE}/tasks/t1"}},
    {"task": {"httpRequest": {"url": GOOD_URL}}, "responseView": "FULL"},
], ids=["not-json", "array", "no-task", "no-http-request", "no-url", "ftp-url", "no-host", "url-too-long",
        "bad-method", "headers-list", "header-int", "bad-base64", "body-with-get", "oidc-without-email",
        "unknown-field", "oauth-token", "schedule-time", "dispatch-deadline", "named-task", "response-view"])
def test_malformed_create_task_is_invalid_argument(standin, payload):
    """Google's 400 INVALID_ARGUMENT shape for a createTask body it (or this stand-in) would refuse, and nothing
    is queued."""
    url, store = standin

    status, answer = create_raw(url, payload)

    assert status == 400
    assert (answer["error"]["code"], answer["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert answer["error"]["message"] and store.snapshot() == []


def test_hold_mode_records_tasks_without_delivering(held_server, standin, target):
    """In hold mode the task is listed with its decoded body and zero attempts, and the target hears nothing,
    even once a task created after it through a dispatching stand-in has been delivered."""
    url, store = held_server
    store.reset()
    dispatching_url, dispatching = standin

    queue_for(url, f"{target.url}/tasks/deliver").hand_off(BODY)
    queue_for(dispatching_url, f"{target.url}/tasks/later").hand_off(BODY)
    assert dispatching.wait_idle(5)

    status, _headers, data = _http.request("GET", f"{url}/_standin/tasks", b"", {})
    [task] = json.loads(data)["tasks"]
    assert status == 200 and [r["path"] for r in target.requests] == ["/tasks/later"]
    assert (task["body"], task["attempts"], task["done"]) == (BODY, 0, False)
    assert task["url"] == f"{target.url}/tasks/deliver"
    assert task["headers"] == {"Content-Type": "application/json"}


def test_standin_refusal_reaches_the_caller_as_tasks_refused(standin):
    """A target URL Google would refuse comes back as a permanent error naming INVALID_ARGUMENT."""
    url, _store = standin

    with pytest.raises(TasksRefused) as info:
        queue_for(url, "ftp://127.0.0.1/tasks/deliver").hand_off(BODY)

    assert isinstance(info.value, PermanentError) and info.value.http_status == 400
    assert "INVALID_ARGUMENT" in str(info.value)


def test_reset_empties_the_store(standin):
    """POST /_standin/reset forgets every task."""
    url, store = standin
    create_raw(url, http_task(GOOD_URL))

    status, _headers, _data = _http.request("POST", f"{url}/_standin/reset", b"", {})

    assert status == 200 and store.snapshot() == []


# --- The adapter's request, errors and auth -----------------------------------------------------------------------

def test_hand_off_sends_the_documented_create_task_request(fake_api, metadata):
    """One POST to {api}/{queue}/tasks: unnamed HTTP task, base64 JSON body, OIDC audience = the target's origin."""
    target_url = "https://asia-southeast2-tumbuh-test.cloudfunctions.net/scheduler/tasks/deliver?x=1"

    queue_for(fake_api.url, target_url, service_account=SERVICE_ACCOUNT, metadata_url=metadata.url).hand_off(BODY)

    [sent] = fake_api.requests
    payload = json.loads(sent["body"])
    http_request = payload["task"]["httpRequest"]
    assert (sent["method"], sent["path"]) == ("POST", f"/v2/{PROJECT_QUEUE}/tasks")
    assert sent["headers"]["content-type"] == "application/json"
    assert "authorization" not in sent["headers"] and metadata.requests == []  # loopback API: no token
    assert set(payload) == {"task"} and set(payload["task"]) == {"httpRequest"}  # Cloud Tasks names the task
    assert json.loads(base64.b64decode(http_request.pop("body"))) == BODY
    assert http_request == {"url": target_url, "httpMethod": "POST", "headers": {"Content-Type": "application/json"},
                            "oidcToken": {"serviceAccountEmail": SERVICE_ACCOUNT,
                                          "audience": "https://asia-southeast2-tumbuh-test.cloudfunctions.net"}}


def test_no_service_account_means_no_oidc_token(fake_api):
    """An empty service account leaves oidcToken out of the task."""
    queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver").hand_off(BODY)

    http_request = json.loads(fake_api.requests[0]["body"])["task"]["httpRequest"]
    assert "oidcToken" not in http_request


def test_closed_port_is_tasks_unavailable():
    """Nothing listening at the API URL is a transient error."""
    queue = queue_for(f"http://127.0.0.1:{free_port()}", "http://127.0.0.1:9/tasks/deliver")

    with pytest.raises(TasksUnavailable) as info:
        queue.hand_off(BODY)

    assert isinstance(info.value, TransientError)


@pytest.mark.parametrize(("status", "reason", "error"), [
    (400, "INVALID_ARGUMENT", TasksRefused),
    (401, "UNAUTHENTICATED", TasksRefused),
    (403, "PERMISSION_DENIED", TasksRefused),
    (404, "NOT_FOUND", TasksRefused),
    (408, "DEADLINE_EXCEEDED", TasksUnavailable),
    (429, "RESOURCE_EXHAUSTED", TasksUnavailable),
    (500, "INTERNAL", TasksUnavailable),
    (503, "UNAVAILABLE", TasksUnavailable),
])
def test_error_answers_map_to_typed_errors(fake_api, status, reason, error):
    """429/5xx are transient, other 4xx permanent; the text carries status and Google's message, never the body."""
    message = f"The caller does not have permission ({status})"
    fake_api.default = (status, {"error": {"code": status, "message": message, "status": reason}})

    with pytest.raises((TasksRefused, TasksUnavailable)) as info:
        queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver").hand_off({"secret_marker": "Ani"})

    assert type(info.value) is error
    assert str(status) in str(info.value) and message in str(info.value) and reason in str(info.value)
    assert "Ani" not in str(info.value) and "secret_marker" not in str(info.value)
    if error is TasksRefused:
        assert (info.value.http_status, info.value.reason) == (status, reason)


def test_error_answer_without_google_json_still_maps(fake_api):
    """A 502 from a proxy (not Google's JSON) is still transient."""
    fake_api.default = (502, "Bad Gateway")

    with pytest.raises(TasksUnavailable, match="502"):
        queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver").hand_off(BODY)


def test_token_comes_from_the_metadata_server_and_is_cached(fake_api, metadata):
    """With auth on, one metadata request (Metadata-Flavor: Google) serves both hand-offs' bearer tokens."""
    queue = queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver", metadata_url=metadata.url, auth=True)

    queue.hand_off(BODY)
    queue.hand_off(BODY)

    [asked] = metadata.requests
    assert (asked["method"], asked["headers"]["metadata-flavor"]) == ("GET", "Google")
    assert [r["headers"]["authorization"] for r in fake_api.requests] == ["Bearer ya29.local-token"] * 2


def test_token_is_refreshed_a_minute_before_it_expires(fake_api, metadata):
    """A token is reused up to 60 s before its expiry, then fetched again."""
    now = [1000.0]
    queue = queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver", metadata_url=metadata.url, auth=True,
                      clock=lambda: now[0])
    queue.hand_off(BODY)

    now[0] += 3599 - 60 - 1
    queue.hand_off(BODY)
    fetched_before = len(metadata.requests)
    now[0] += 2
    queue.hand_off(BODY)

    assert (fetched_before, len(metadata.requests)) == (1, 2)


def test_unauthenticated_answer_drops_the_cached_token(fake_api, metadata):
    """After a 401 the next hand-off fetches a fresh token instead of reusing the refused one."""
    queue = queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver", metadata_url=metadata.url, auth=True)
    fake_api.replies = [(401, {"error": {"code": 401, "message": "bad token", "status": "UNAUTHENTICATED"}})]

    with pytest.raises(TasksRefused):
        queue.hand_off(BODY)
    queue.hand_off(BODY)

    assert len(metadata.requests) == 2


@pytest.mark.parametrize("answer", [(500, {"error": "boom"}), (200, {"expires_in": 3599}), (200, "not json")],
                         ids=["5xx", "no-token", "not-json"])
def test_metadata_server_failure_is_tasks_unavailable(fake_api, metadata, answer):
    """A metadata server that does not hand out a token makes the hand-off transient, and nothing is sent."""
    metadata.default = answer
    queue = queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver", metadata_url=metadata.url, auth=True)

    with pytest.raises(TasksUnavailable):
        queue.hand_off(BODY)

    assert len(metadata.requests) == 1 and fake_api.requests == []


def test_unreachable_metadata_server_is_tasks_unavailable(fake_api):
    """No metadata server at all (running outside Google Cloud) is transient too."""
    queue = queue_for(fake_api.url, "http://127.0.0.1:9/tasks/deliver",
                      metadata_url=f"http://127.0.0.1:{free_port()}/token", auth=True)

    with pytest.raises(TasksUnavailable):
        queue.hand_off(BODY)

    assert fake_api.requests == []


def test_google_api_url_asks_the_metadata_server_first(metadata):
    """By default (Google's API) the token is fetched before any call to Google."""
    metadata.default = (503, {})
    queue = CloudTasksQueue("https://cloudtasks.googleapis.com/v2", PROJECT_QUEUE, "https://example.test/tasks",
                            metadata_url=metadata.url)

    with pytest.raises(TasksUnavailable, match="metadata"):
        queue.hand_off(BODY)

    assert len(metadata.requests) == 1


@pytest.mark.parametrize(("api_url", "auth"), [
    ("http://127.0.0.1:8091/v2", False), ("http://127.8.0.1:8091/v2", False), ("http://localhost:8091/v2", False),
    ("http://[::1]:8091/v2", False), ("https://cloudtasks.googleapis.com/v2", True), ("https://10.0.0.1/v2", True),
    ("https://localhost.example.com/v2", True),
])
def test_the_app_sends_a_token_to_google_and_none_to_the_local_stand_in(api_url, auth):
    """bootstrap decides from the settings (the one loopback rule, Settings.tasks_backend) whether the client
    fetches the instance's token: only this machine's names and addresses count as the stand-in."""
    from shared.bootstrap import build_app
    from shared.config import Settings

    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@127.0.0.1:1/db", "REDIS_URL": "redis://127.0.0.1:1/0",
                                  "TASKS_API_URL": api_url, "TASKS_QUEUE": PROJECT_QUEUE,
                                  "TASKS_TARGET_URL": "http://127.0.0.1:8081/tasks/deliver"})

    assert build_app(settings).tasks._auth is auth


# --- CLI ----------------------------------------------------------------------------------------------------------

def test_standin_cli_serves_hold_mode_on_the_given_port(target):
    """`python -m shared.adapters.local.tasks_standin --hold` serves createTask and records without delivering."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "shared.adapters.local.tasks_standin", "--host", "127.0.0.1",
                             "--port", str(port), "--hold"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                status, _headers, health = _http.request("GET", f"{root}/_standin/health", b"", {})
                break
            except OSError:
                assert time.monotonic() < deadline, "stand-in did not start"
                time.sleep(0.1)

        queue_for(root, f"{target.url}/tasks/deliver").hand_off(BODY)
        _status, _headers, data = _http.request("GET", f"{root}/_standin/tasks", b"", {})

        assert status == 200 and json.loads(health)["hold"] is True
        assert [t["body"] for t in json.loads(data)["tasks"]] == [BODY] and target.requests == []
    finally:
        proc.terminate()
        proc.wait(10)
