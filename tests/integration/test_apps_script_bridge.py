"""The Python adapter against the real apps_script/ code, served by Node the way Google serves a web app (doPost
during the POST, then a 302 to a one-time URL that answers only a GET): signing, the redirect, every error, every
action on spreadsheets the stand-in keeps in memory, and a kader's edit reaching Tumbuh as a signed POST."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shared.adapters.apps_script import MAX_ROWS_PER_CALL, AppsScriptBridge, BridgePermanent, BridgeTransient
from tests.conftest import apps_script_standin

pytestmark = pytest.mark.integration

SECRET = "bridge-test-secret-0123456789abcdef"
EDIT_SECRET = "edit-receiver-secret-fedcba9876543210"  # a different secret: the bridge's key never signs outgoing data
COLUMNS = ["tumbuh_id", "nama", "bb_kg"]
TABS = {"Pengukuran": [*COLUMNS, "status"]}
SHEET_ID = "preset-spreadsheet-0123456789abcdefghijklmn"  # pre-created in the stand-in with TABS
KADER = "kader@posyandu.test"
CHANGE_LOG = "Tumbuh Perubahan"  # the hidden tab in which the edit trigger logs each kader edit

# A posyandu's layout as setup receives it (the real one comes from shared/sheet/layout.py): four data columns, a
# formula column, a date and a coded column with validation.
MEASUREMENTS = {
    "name": "Pengukuran",
    "headers": ["ID Ukur", "Nama Anak", "Tgl Ukur", "BB (kg)", "Catatan Tumbuh", "Status"],
    "data_width": 5,
    "formulas": ['=IF(D{r}="","",IF(D{r}<7,"kurang","ok"))'],
    "prefill_rows": 3,
    "validation": [{"column": 2, "date": True}, {"column": 3, "number": [1, 40]}],
    "hidden_columns": [0],
    "frozen_columns": 2,
}
DATA = MEASUREMENTS["headers"][:5]


@pytest.fixture(scope="module")
def receiver():
    """Tumbuh's end of kader edits: a loopback HTTP server that keeps every POST as (signature header, body)."""
    posts: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.headers.get("X-Tumbuh-Signature", ""), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):  # quiet: the bodies hold (test) child data
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/kader-edit", posts
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def webapp():
    """The web-app stand-in (apps_script/test/webapp_standin.js) on a free port: its root URL."""
    with apps_script_standin({"TUMBUH_SECRET": SECRET, "TUMBUH_EDIT_SECRET": EDIT_SECRET,
                              "TUMBUH_SPREADSHEETS": json.dumps({SHEET_ID: TABS})}) as url:
        yield url


def stats(root: str) -> dict:
    return requests.get(f"{root}/_standin/stats", timeout=5).json()


def bridge(root: str, secret: str = SECRET, **kw) -> AppsScriptBridge:
    return AppsScriptBridge(f"{root}/macros/s/DEPLOYMENT/exec", secret, timeout_s=5, **kw)


def state(root: str, spreadsheet_id: str) -> dict:
    """What the stand-in holds for one spreadsheet: tabs (values, protections, validation, ...), editors, trigger."""
    answer = requests.get(f"{root}/_standin/spreadsheet", params={"spreadsheet_id": spreadsheet_id}, timeout=5)
    answer.raise_for_status()
    return answer.json()


def kader_types(root: str, spreadsheet_id: str, tab: str, row: int, values: list, column: int = 1) -> requests.Response:
    """A kader typing `values` into one row of a tab, from `column` on, in the stand-in's Sheet."""
    return requests.post(f"{root}/_standin/edit", json={"spreadsheet_id": spreadsheet_id, "tab": tab, "row": row,
                                                        "column": column, "values": values, "user": KADER}, timeout=30)


def set_up(root: str, receiver_url: str, title: str) -> str:
    """A new posyandu spreadsheet made by the bridge's setup, shared with the kader: its id."""
    result = bridge(root).setup(None, title, [MEASUREMENTS], [KADER], edit_url=receiver_url, locale="id_ID")
    return result["spreadsheet_id"]


def test_a_call_is_one_post_then_a_get_of_the_one_time_url(webapp):
    """ping runs the real doPost: the adapter signs it, follows the 302 with a GET and never POSTs twice."""
    before = stats(webapp)

    result = bridge(webapp).ping()

    after = stats(webapp)
    assert result == {"pong": True, "sheet": None, "max_rows": MAX_ROWS_PER_CALL}
    assert (after["posts"] - before["posts"], after["echo_posts"]) == (1, 0)


def test_ping_with_a_spreadsheet_id_names_that_spreadsheet(webapp):
    assert bridge(webapp).ping(SHEET_ID)["sheet"] == "Tumbuh (test)"


def test_a_spreadsheet_the_script_cannot_open_is_refused_for_good(webapp):
    """A deleted or unshared spreadsheet will not come back by retrying: the outbox must stop, not loop."""
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).upsert_rows("deleted-spreadsheet-0123456789abcdefghijk", "Pengukuran", COLUMNS, [["m1", "A", 1]])
    assert refused.value.reason == "bad_spreadsheet"


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

    assert b.upsert_rows(SHEET_ID, "Pengukuran", COLUMNS, rows) == {"updated": 0, "appended": 2}
    assert b.upsert_rows(SHEET_ID, "Pengukuran", COLUMNS, rows) == {"updated": 2, "appended": 0}
    assert b.delete_rows(SHEET_ID, "Pengukuran", "tumbuh_id", ["m1", "m2"]) == {"deleted": 2}


def test_a_layout_the_sheet_does_not_have_is_refused_for_good(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).upsert_rows(SHEET_ID, "Pengukuran", ["nama", "tumbuh_id"], [["Ani", "m1"]])
    assert refused.value.reason == "bad_layout"


def test_the_adapter_splits_batches_at_the_limit_the_web_app_reports(webapp):
    """The row limit is written on both sides; ping says the web app's, so the two cannot drift apart unseen."""
    assert bridge(webapp).ping()["max_rows"] == MAX_ROWS_PER_CALL


def test_setup_creates_a_posyandu_spreadsheet_ready_for_kaders(webapp, receiver):
    """Tabs, header, formulas, protections that only the owner may pass, validation, sharing and the edit trigger."""
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Anggrek")

    got = state(webapp, sheet_id)
    tab = got["tabs"]["Pengukuran"]
    assert list(got["tabs"]) == ["Pengukuran", CHANGE_LOG]
    assert got["tabs"][CHANGE_LOG]["hidden"] is True and not tab["hidden"]
    log_protections = got["tabs"][CHANGE_LOG]["protections"]
    assert [(p["type"], p["editors"]) for p in log_protections] == [("SHEET", ["owner@tumbuh.test"])]
    assert tab["values"][0] == MEASUREMENTS["headers"]
    assert [row[5] for row in tab["values"][1:]] == [f'=IF(D{r}="","",IF(D{r}<7,"kurang","ok"))' for r in (2, 3, 4)]
    assert sorted((p["range"], p["editors"], p["warning_only"]) for p in tab["protections"]) == [
        ("A1:F1", ["owner@tumbuh.test"], False), ("F:F", ["owner@tumbuh.test"], False)]
    assert [(v["range"], v["criteria"]) for v in tab["validations"]] == [
        ("C2:C1000", "DATE_IS_VALID_DATE"), ("D2:D1000", "NUMBER_BETWEEN")]
    assert (tab["hidden_columns"], tab["frozen_rows"], tab["frozen_columns"]) == ([1], 1, 2)
    assert KADER in got["editors"] and got["trigger"] is True
    assert (got["time_zone"], got["locale"]) == ("Asia/Jakarta", "id_ID")


def test_setup_run_again_changes_nothing(webapp, receiver):
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Kenanga")
    before = state(webapp, sheet_id)

    again = bridge(webapp).setup(sheet_id, "Tumbuh - Posyandu Kenanga", [MEASUREMENTS], [KADER])

    assert again == {"spreadsheet_id": sheet_id, "url": f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit",
                     "trigger": True}
    assert state(webapp, sheet_id) == before  # same tabs, rows, protections, and still one trigger in all


def test_a_setup_retried_under_its_create_key_makes_no_second_spreadsheet(webapp):
    """The first reply was lost: the retry, with no id to give, names the same create key and finds the first one."""
    b = bridge(webapp)

    first = b.setup(None, "Tumbuh - Posyandu Melati", [MEASUREMENTS], create_key="posyandu:77")
    retried = b.setup(None, "Tumbuh - Posyandu Melati", [MEASUREMENTS], create_key="posyandu:77")
    namesake = b.setup(None, "Tumbuh - Posyandu Melati", [MEASUREMENTS], create_key="posyandu:78")

    assert retried == first
    assert namesake["spreadsheet_id"] != first["spreadsheet_id"]


def test_setup_over_a_tab_with_another_header_is_refused_for_good_and_writes_nothing(webapp):
    before = state(webapp, SHEET_ID)

    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).setup(SHEET_ID, "x", [MEASUREMENTS])

    assert refused.value.reason == "bad_layout"
    assert state(webapp, SHEET_ID) == before


def test_a_thousand_rows_take_at_most_three_calls_and_a_retried_batch_duplicates_nothing(webapp, receiver):
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Mawar")
    rows = [[f"m{i}", f"Anak {i}", "2025-01-15", 5 + i % 10, ""] for i in range(1000)]
    before = stats(webapp)["posts"]

    first = bridge(webapp).upsert_rows(sheet_id, "Pengukuran", DATA, rows)
    calls = stats(webapp)["posts"] - before
    retried = bridge(webapp, max_rows_per_call=400).upsert_rows(sheet_id, "Pengukuran", DATA, rows)

    assert first == {"updated": 0, "appended": 1000}
    assert calls <= 3
    assert retried == {"updated": 1000, "appended": 0}  # three batches of 400, 400 and 200, summed
    assert stats(webapp)["posts"] - before == calls + 3
    values = state(webapp, sheet_id)["tabs"]["Pengukuran"]["values"]
    assert len(values) == 1001
    assert values[1000][5] == '=IF(D1001="","",IF(D1001<7,"kurang","ok"))'  # formulas followed the appended rows


def test_a_kader_edit_reaches_tumbuh_as_a_post_signed_with_the_edit_secret(webapp, receiver):
    url, posts = receiver
    sheet_id = set_up(webapp, url, "Tumbuh - Posyandu Melati")
    seen = len(posts)

    answer = kader_types(webapp, sheet_id, "Pengukuran", 2, ["", "Siti Äminah", "2025-02-03", 8.5])

    assert answer.json() == {"ok": True, "triggered": True}
    signature, body = posts[seen]
    assert signature == "sha256=" + hmac.new(EDIT_SECRET.encode(), body, hashlib.sha256).hexdigest()
    sent = json.loads(body)
    assert (sent["spreadsheet_id"], sent["tab"]) == (sheet_id, "Pengukuran")
    assert sent["rows"] == [{"row": 2, "values": ["", "Siti Äminah", "2025-02-03", 8.5, ""]}]
    assert len(sent["request_id"]) == 36 and isinstance(sent["sent_at"], int)


def test_a_kader_edit_is_in_the_change_log_even_when_its_post_is_lost(webapp):
    """The trigger logs an edit before it POSTs: with Tumbuh unreachable, changes still returns the row as it is now,
    and since the cursor it answered there is nothing new."""
    b = bridge(webapp)
    sheet_id = b.setup(None, "Tumbuh - Posyandu Kamboja", [MEASUREMENTS], [KADER],
                       edit_url="http://127.0.0.1:9/kader-edit")["spreadsheet_id"]  # nothing listens there
    posts_before = stats(webapp)["edit_posts"]

    answer = kader_types(webapp, sheet_id, "Pengukuran", 3, ["", "Siti Äminah", "2025-02-03", 8.5])
    since_start = b.changes(sheet_id, 0)
    since_cursor = b.changes(sheet_id, since_start["cursor"])

    assert answer.json() == {"ok": True, "triggered": True}
    assert stats(webapp)["edit_posts"] == posts_before + 1  # the POST was tried, and failed
    assert since_start["rows"] == [
        {"tab": "Pengukuran", "row": 3, "values": ["", "Siti Äminah", "2025-02-03", 8.5, ""]}]
    assert since_start["complete"] is True and isinstance(since_start["cursor"], int) and since_start["cursor"] > 0
    assert since_cursor == {"cursor": since_start["cursor"], "rows": [], "complete": True}
    assert b.changes(sheet_id, 0, tabs=["Anak"])["rows"] == []


def test_a_cursor_that_is_no_integer_is_refused_for_good(webapp):
    with pytest.raises(BridgePermanent) as refused:
        bridge(webapp).changes(SHEET_ID, -1)
    assert refused.value.reason == "bad_since"


def test_a_kader_cannot_type_over_a_formula_or_the_header(webapp, receiver):
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Dahlia")

    assert kader_types(webapp, sheet_id, "Pengukuran", 2, ["ok"], column=6).status_code == 403
    assert kader_types(webapp, sheet_id, "Pengukuran", 1, ["Nama"], column=2).status_code == 403


def test_a_kader_typed_row_survives_an_append_and_tumbuh_can_take_it(webapp, receiver):
    """Tumbuh appends below the kader's row; read_rows sees it with an empty key; set_notes takes it or marks it."""
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Teratai")
    b = bridge(webapp)
    b.upsert_rows(sheet_id, "Pengukuran", DATA, [["m1", "Ani", "2025-03-01", 8.1, ""]])
    kader_types(webapp, sheet_id, "Pengukuran", 3, ["", "Budi", "2025-03-01", 77])  # 77 kg: Tumbuh will refuse it
    kader_types(webapp, sheet_id, "Pengukuran", 4, ["", "Citra", "2025-03-01", 7.4])

    assert b.upsert_rows(sheet_id, "Pengukuran", DATA, [["m2", "Dewi", "2025-03-02", 9.0, ""]])["appended"] == 1
    read = b.read_rows(sheet_id, "Pengukuran", DATA)
    citra = read[2]
    notes = b.set_notes(sheet_id, "Pengukuran", DATA, [
        {"row": 3, "column": "Catatan Tumbuh", "text": "BB 77 kg tidak mungkin, mohon diperiksa", "bad": True},
        {"row": 4, "column": "ID Ukur", "text": "m3", "expect": citra["values"], "bad": False},
    ])

    assert read == [
        {"row": 2, "values": ["m1", "Ani", "2025-03-01", 8.1, ""]},
        {"row": 3, "values": ["", "Budi", "2025-03-01", 77, ""]},
        {"row": 4, "values": ["", "Citra", "2025-03-01", 7.4, ""]},
        {"row": 5, "values": ["m2", "Dewi", "2025-03-02", 9.0, ""]},
    ]
    assert notes == {"written": 2, "skipped": []}
    tab = state(webapp, sheet_id)["tabs"]["Pengukuran"]
    assert [row[:5] for row in tab["values"][1:]] == [
        ["m1", "Ani", "2025-03-01", 8.1, ""],
        ["", "Budi", "2025-03-01", 77, "BB 77 kg tidak mungkin, mohon diperiksa"],
        ["m3", "Citra", "2025-03-01", 7.4, ""],
        ["m2", "Dewi", "2025-03-02", 9.0, ""],
    ]
    assert tab["backgrounds"][2][:5] == ["#f4cccc"] * 5
    assert b.upsert_rows(sheet_id, "Pengukuran", DATA, [["m3", "Citra", "2025-03-01", 7.5, ""]]) == {
        "updated": 1, "appended": 0}


def test_a_kader_row_changed_since_it_was_read_is_not_taken(webapp, receiver):
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Seroja")
    kader_types(webapp, sheet_id, "Pengukuran", 2, ["", "Eka", "2025-03-01", 7.0])
    b = bridge(webapp)
    read = b.read_rows(sheet_id, "Pengukuran", DATA)[0]
    kader_types(webapp, sheet_id, "Pengukuran", 2, [7.2], column=4)

    notes = b.set_notes(sheet_id, "Pengukuran", DATA, [{"row": 2, "column": "ID Ukur", "text": "m9",
                                                        "expect": read["values"]}])

    assert notes == {"written": 0, "skipped": ["row 2 changed"]}


def test_write_tab_replaces_a_recap_whole(webapp, receiver):
    sheet_id = set_up(webapp, receiver[0], "Tumbuh - Posyandu Cempaka")
    b = bridge(webapp)
    headers = ["Bulan", "Ditimbang", "Pendek"]

    first = b.write_tab(sheet_id, "Rekap", headers, [["2025-01", 40, 3], ["2025-02", 41, 2]])
    assert first == {"rows": 2, "cleared": 0}
    assert b.write_tab(sheet_id, "Rekap", headers, [["2025-03", 42, 2]]) == {"rows": 1, "cleared": 1}
    values = state(webapp, sheet_id)["tabs"]["Rekap"]["values"]
    assert [row for row in values if any(v != "" for v in row)] == [headers, ["2025-03", 42, 2]]
    with pytest.raises(BridgePermanent) as refused:
        b.write_tab(sheet_id, "Pengukuran", MEASUREMENTS["headers"], [])
    assert refused.value.reason == "bad_tab"  # a tab kaders edit is never rewritten whole


def test_the_real_setup_payload_is_taken_and_appends_past_its_prefill_get_its_formulas(webapp, receiver):
    """shared.sheet.spec's tabs (WHO tables, 97 formula columns) through the real setup, twice, then one row past the
    rows prefilled with formulas: it gets row 2's formulas for its own row."""
    from shared.sheet import layout, spec

    b = bridge(webapp)
    tabs = spec.tabs()
    made = b.setup(None, "Tumbuh - Posyandu Spec", tabs, [KADER])
    before = state(webapp, made["spreadsheet_id"])
    assert b.setup(made["spreadsheet_id"], "Tumbuh - Posyandu Spec", tabs, [KADER]) == made
    assert state(webapp, made["spreadsheet_id"]) == before
    assert list(before["tabs"]) == [t["name"] for t in tabs] + [CHANGE_LOG]

    columns = [c.header for c in layout.MEASUREMENT_DATA]
    last = spec.PREFILL_ROWS + 2  # the first sheet row without formulas from setup
    rows = [[f"m{i}"] + [""] * (len(columns) - 1) for i in range(last - 1)]
    assert b.upsert_rows(made["spreadsheet_id"], layout.MEASUREMENTS, columns, rows)["appended"] == last - 1

    values = state(webapp, made["spreadsheet_id"])["tabs"][layout.MEASUREMENTS]["values"]
    width = len(columns)
    assert values[last - 1][width:] == [f.replace(spec.ROW, str(last)) for f in spec.measurement_templates()]
