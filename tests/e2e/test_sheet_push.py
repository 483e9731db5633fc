"""POST /sheet-edits on the webhook: a kader's edit pushed by the Sheet's trigger is taken once, and nothing is
taken from a request that is unsigned, wrongly signed, stale, replayed or not a push."""
import hashlib
import hmac
import json
import time
import uuid

import pytest

from shared.adapters.postgres import PostgresRecords, migrate, url_connector
from shared.sheet import layout

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


@pytest.mark.parametrize("data", [b"{", b"[]", body(tab="Rekap"), body(rows=[{"row": 1, "values": []}]),
                                  body(rows="all"), body(request_id="short")])
def test_what_is_not_a_push_is_a_bad_request(webhook, records, data):
    assert post(webhook, data).status_code == 400


def test_a_push_for_a_spreadsheet_no_posyandu_has_is_taken_as_nothing(webhook, records):
    records.run("UPDATE posyandu SET spreadsheet_id = NULL")

    answer = post(webhook, body())

    assert answer.status_code == 200 and records.run("SELECT count(*) FROM measurements")[0][0] == 0


def test_get_is_not_allowed(webhook):
    assert webhook.get("/sheet-edits").status_code == 405
