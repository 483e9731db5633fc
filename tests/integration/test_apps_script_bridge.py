"""The Python adapter against the real apps_script/ code, served by Node the way Google serves a web app (doPost
during the POST, then a 302 to a one-time URL that answers only a GET): signing, the redirect, and every error."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from shared.adapters.apps_script import AppsScriptBridge, BridgePermanent, BridgeTransient

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SECRET = "bridge-test-secret-0123456789abcdef"
COLUMNS = ["tumbuh_id", "nama", "bb_kg"]
TABS = {"Pengukuran": [*COLUMNS, "status"]}


@pytest.fixture(scope="module")
def webapp():
    """The web-app stand-in (apps_script/test/webapp_standin.js) on a free port: its root URL."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("TUMBUH_REQUIRE_SERVICES"):
            pytest.fail("node is not installed although make test installs it before pytest")
        pytest.skip("node is not installed: run `make test`, which installs it")
    proc = subprocess.Popen([node, str(REPO / "apps_script" / "test" / "webapp_standin.js"), "0"],
                            env={**os.environ, "TUMBUH_SECRET": SECRET, "TUMBUH_TABS": json.dumps(TABS)},
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # "listening <port>", printed once the server accepts connections
        assert line.startswith("listening "), f"the stand-in did not start: {line!r}"
        yield f"http://127.0.0.1:{line.split()[1]}"
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def stats(root: str) -> dict:
    return requests.get(f"{root}/_standin/stats", timeout=5).json()


def bridge(root: str, secret: str = SECRET, **kw) -> AppsScriptBridge:
    return AppsScriptBridge(f"{root}/macros/s/DEPLOYMENT/exec", secret, timeout_s=5, **kw)


def test_a_call_is_one_post_then_a_get_of_the_one_time_url(webapp):
    """ping runs the real doPost: the adapter signs it, follows the 302 with a GET and never POSTs twice."""
    before = stats(webapp)

    result = bridge(webapp).ping()

    after = stats(webapp)
    assert result == {"pong": True, "sheet": "Tumbuh (test)"}
    assert (after["posts"] - before["posts"], after["echo_posts"]) == (1, 0)


def test_each_call_has_a_new_request_id_so_a_second_one_is_no_replay(webapp):
    b = bridge(webapp)
    assert b.ping() == b.ping()


def test_a_wrong_secret_is_refused_for_good(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp, secret="not-the-bridge-secret-0123456789").ping()
    assert refused.value.reason == "unauthorized"


def test_an_unknown_action_is_refused_for_good(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).call("drop_everything", {})
    assert refused.value.reason == "unknown_action"


def test_a_clock_more_than_five_minutes_off_is_refused_by_name(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp, clock=lambda: 1_000_000_000.0).ping()
    assert refused.value.reason == "stale"


def test_apps_scripts_too_many_times_page_is_transient_although_it_comes_with_200(webapp):
    """Under bursts Apps Script answers 200 with an HTML page: that is 'try again later', not a result."""
    requests.post(f"{webapp}/_standin/busy", json={"times": 1}, timeout=5).raise_for_status()

    with pytest.raises(BridgeTransient):
        bridge(webapp).ping()
    assert bridge(webapp).ping()["pong"] is True  # the next attempt goes through


def test_nothing_listening_is_transient():
    """A bridge that cannot be reached leaves the rows in the outbox for the next run."""
    with pytest.raises(BridgeTransient):
        AppsScriptBridge("http://127.0.0.1:9/macros/s/X/exec", SECRET, timeout_s=1).ping()


def test_no_secret_is_a_configuration_error():
    with pytest.raises(ValueError):
        AppsScriptBridge("http://127.0.0.1:9/macros/s/X/exec", "")


def test_rows_are_upserted_by_key_so_a_retried_batch_writes_nothing_twice(webapp):
    b = bridge(webapp)
    rows = [["m1", "Ani", 8.2], ["m2", "Budi", 9.1]]

    assert b.upsert_rows("Pengukuran", COLUMNS, rows) == {"updated": 0, "appended": 2}
    assert b.upsert_rows("Pengukuran", COLUMNS, rows) == {"updated": 2, "appended": 0}
    assert b.delete_rows("Pengukuran", "tumbuh_id", ["m1", "m2"]) == {"deleted": 2}


def test_a_layout_the_sheet_does_not_have_is_refused_for_good(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).upsert_rows("Pengukuran", ["nama", "tumbuh_id"], [["Ani", "m1"]])
    assert refused.value.reason == "bad_layout"
