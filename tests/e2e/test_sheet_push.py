"""POST /sheet-edits on the webhook: a kader's edit pushed by the Sheet's trigger is taken once, and nothing is
taken from a request that is unsigned, wrongly signed, stale, replayed or not a push."""
import hashlib
import hmac
import json
import time
import uuid

import pytest

from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.sheet import layout, push

pytestmark = pytest.mark.e2e

SECRET = "test-sheet-edit-secret"
SHEET = "posyandu-melati"


def body(rows=None, sent_at=None, request_id=None, tab=layout.MEASUREMENTS) -> bytes:
    typed = ["", "", "Budi", "L", "2023-06-05", "2025-03-10", "", 11, 82, "TB", "", "", "Tidak", "", "", ""]
    return json.dumps({"spreadsheet_id": SHEET, "tab": tab, "rows": rows if rows is not None else
                       [{"row": 5, "values": typed}], "request_id": request_id or uuid.uuid4().hex,
                       "sent_at": time.time() if sent_at is None else sent_at}).encode()


def post(client, data: bytes, secret: str | None = SECRET):
    headers = {}
    if secret is not None:
        headers["X-Tumbuh-Signature"] = "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
    return client.post("/sheet-edits", data=data, headers=headers, content_type="application/json")


@pytest.fixture
def records(database_url) -> PostgresRecords:
    return PostgresRecords(url_connector(database_url))


@pytest.fixture
def webhook(function_client, records):
    client = function_client("webhook", "whatsapp_webhook")
    migrate(records)
    records.run("INSERT INTO posyandu (name, spreadsheet_id) VALUES ('Melati', %s)", (SHEET,))
    return client


def test_a_pushed_row_becomes_a_measurement_and_its_replay_changes_nothing(webhook, records):
    data = body()

    first = post(webhook, data)
    again = post(webhook, data)

    assert first.status_code == 200 and first.get_json()["taken"]["created"] == 1
    assert again.status_code == 200 and again.get_json() == {"ok": True, "replay": True}
    assert records.run("SELECT c.name, m.source, m.weight_kg FROM measurements m JOIN children c "
                       "ON c.id = m.child_id") == [["Budi", "sheet", pytest.approx(11)]]
    notes = records.run("SELECT payload->>'row', payload->>'set_key' FROM outbox WHERE kind = 'sheet_note'")
    assert notes == [["5", str(records.run("SELECT id FROM measurements")[0][0])]]


@pytest.mark.parametrize("secret,status", [(None, 401), ("someone-else-entirely", 403)])
def test_an_unsigned_or_wrongly_signed_push_is_refused(webhook, records, secret, status):
    assert post(webhook, body(), secret=secret).status_code == status
    assert records.run("SELECT count(*) FROM measurements")[0][0] == 0


@pytest.mark.parametrize("data", [body(sent_at=time.time() - 3600), body(sent_at=time.time() + 3600)])
def test_a_stale_push_is_refused(webhook, records, data):
    assert post(webhook, data).status_code == 403
    assert records.run("SELECT count(*) FROM measurements")[0][0] == 0


# Built when the test runs, not when it is collected: a body dated at collection goes stale (403) in a long run.
@pytest.mark.parametrize("make", [lambda: b"{", lambda: b"[]", lambda: body(tab="Rekap"),
                                  lambda: body(rows=[{"row": 1, "values": []}]), lambda: body(rows="all"),
                                  lambda: body(request_id="short")],
                         ids=["truncated", "array", "other-tab", "header-row", "rows-not-a-list", "short-id"])
def test_what_is_not_a_push_is_a_bad_request(webhook, records, make):
    assert post(webhook, make()).status_code == 400


def test_a_push_for_a_spreadsheet_no_posyandu_has_is_taken_as_nothing(webhook, records):
    records.run("UPDATE posyandu SET spreadsheet_id = NULL")

    answer = post(webhook, body())

    assert answer.status_code == 200 and records.run("SELECT count(*) FROM measurements")[0][0] == 0


def test_get_is_not_allowed(webhook):
    assert webhook.get("/sheet-edits").status_code == 405


PREVIOUS = "test-sheet-edit-secret-before-rotation"


@pytest.fixture
def rotating_webhook(webhook, monkeypatch):
    """The webhook while the edit key rotates: SHEET_EDIT_SECRET_PREVIOUS set (read at its first request)."""
    monkeypatch.setenv("SHEET_EDIT_SECRET_PREVIOUS", PREVIOUS)
    return webhook


def test_while_the_key_rotates_a_push_signed_with_either_key_is_taken(rotating_webhook, records):
    """The Sheet may still sign with the previous key or already with the new one: neither edit is refused."""
    siti = ["", "", "Siti", "P", "2023-07-01", "2025-03-10", "", 10, 80, "TB", "", "", "Tidak", "", "", ""]

    signed_previous = post(rotating_webhook, body(), secret=PREVIOUS)
    signed_current = post(rotating_webhook, body(rows=[{"row": 6, "values": siti}]))

    assert (signed_previous.status_code, signed_current.status_code) == (200, 200)
    assert signed_previous.get_json()["taken"]["created"] == 1 and signed_current.get_json()["taken"]["created"] == 1
    names = records.run("SELECT c.name FROM measurements m JOIN children c ON c.id = m.child_id ORDER BY c.name")
    assert names == [["Budi"], ["Siti"]]


def test_while_the_key_rotates_a_push_signed_with_neither_key_is_refused(rotating_webhook, records):
    """Two keys accepted is not any key accepted: another key, or the empty one, still gets 403."""
    for secret in ("someone-else-entirely", ""):
        assert post(rotating_webhook, body(), secret=secret).status_code == 403
    assert records.run("SELECT count(*) FROM measurements")[0][0] == 0


def test_without_a_previous_key_only_the_current_one_is_taken(webhook, records):
    """SHEET_EDIT_SECRET_PREVIOUS unset is no empty key: a push signed with the empty key (or the old one) is refused."""
    for secret in ("", PREVIOUS):
        assert post(webhook, body(), secret=secret).status_code == 403

    assert post(webhook, body()).status_code == 200


def test_read_push_refuses_every_push_when_no_key_is_set_and_a_lone_str_as_keys():
    """Only empty keys: nothing can be signed. One str instead of a tuple would be read as one-letter keys."""
    data = body()
    signed_empty = "sha256=" + hmac.new(b"", data, hashlib.sha256).hexdigest()
    signed_k = "sha256=" + hmac.new(b"k", data, hashlib.sha256).hexdigest()  # "k" is the first letter of "key"

    with pytest.raises(push.Refused) as refused:
        push.read_push(data, signed_empty, ("", ""), time.time())
    with pytest.raises(TypeError):
        push.read_push(data, signed_k, "key", time.time())

    assert refused.value.answer == ("forbidden", 403)
