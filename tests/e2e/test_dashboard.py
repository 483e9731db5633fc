"""functions/dashboard end to end through functions-framework's test client: sign in with the code the Graph API
stand-in received, see "Hari ini", open a child, stay inside one's area, sign out; headers and CSRF on the way."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.conftest import sent_to

pytestmark = pytest.mark.e2e

KADER = "6281300000009"
OTHER_KADER = "6281300000010"
PARENT = "6281200000055"
BASE = "https://dashboard.test"  # the cookies are Secure: the client must speak https


def two_villages(db) -> tuple[int, int, int]:
    """Posyandu Melati (KADER's) and Mawar (OTHER_KADER's) in two villages, and the consented PARENT: their ids."""
    mine, theirs = (db.run("INSERT INTO posyandu (name, village, district, regency) VALUES (%s, %s, 'Cibeber', "
                           "'Cianjur') RETURNING id", (n, v))[0][0]
                    for n, v in (("Melati", "Sukamaju"), ("Mawar", "Sukasari")))
    for number, pid in ((KADER, mine), (OTHER_KADER, theirs)):
        db.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', 'kader', %s)", (number, pid))
    guardian = db.run("INSERT INTO guardians (wa_id, consent_at, consent_version) VALUES (%s, now(), 'v1') "
                      "RETURNING id", (PARENT,))[0][0]
    return mine, theirs, guardian


@pytest.fixture
def area(migrated):
    """Two posyandu in different villages, a kader in each, and a child at risk in each."""
    mine, theirs, guardian = two_villages(migrated)
    recent = date.today() - timedelta(days=3)
    ids = {}
    for name, pid in (("Ani", mine), ("Budi", theirs)):
        child = migrated.run("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) VALUES "
                             "(%s, %s, 'F', %s, %s) RETURNING id", (guardian, name, date(2024, 5, 1), pid))[0][0]
        migrated.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, "
                     "assessment) VALUES (%s, %s, 7.1, 70.5, 'l', 'whatsapp', %s::jsonb)",
                     (child, recent, '{"tier": "today", "findings": ["severely_underweight", "stunted"]}'))
        ids[name] = child
    return ids


def _form_token(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]


def sign_in(client, graph, number=KADER):
    page = client.get("/masuk", base_url=BASE)
    asked = client.post("/masuk", data={"nomor": "0" + number[2:], "csrf": _form_token(page.text)}, base_url=BASE)
    [message] = [m for m in sent_to(graph, number) if m["payload"]["type"] == "template"][-1:]
    code = message["payload"]["template"]["components"][0]["parameters"][0]["text"]
    done = client.post("/masuk/kode", data={"nomor": "0" + number[2:], "kode": code,
                                            "csrf": _form_token(asked.text)}, base_url=BASE)
    return asked, done


def test_a_kader_signs_in_with_the_code_sees_today_and_opens_a_child(function_client, graph, area):
    client = function_client("dashboard", "dashboard")

    asked, done = sign_in(client, graph)
    today = client.get("/", base_url=BASE)
    child = client.get(f"/anak/{area['Ani']}", base_url=BASE)

    assert "kode masuk sudah dikirim" in asked.text
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    assert "HttpOnly" in done.headers["Set-Cookie"] and "Secure" in done.headers["Set-Cookie"]
    assert today.status_code == 200 and "Ani" in today.text and "Budi" not in today.text
    assert f"https://wa.me/{PARENT}" in today.text and "Hari ini: rujuk ke puskesmas" in today.text
    assert child.status_code == 200 and "Ani" in child.text


def test_another_areas_child_is_not_found_and_unknown_numbers_learn_nothing(function_client, graph, area):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)

    theirs = client.get(f"/anak/{area['Budi']}", base_url=BASE)
    search = client.get("/anak?q=Bu", base_url=BASE)
    stranger = function_client("dashboard", "dashboard")
    page = stranger.get("/masuk", base_url=BASE)
    asked = stranger.post("/masuk", data={"nomor": "081299998888", "csrf": _form_token(page.text)}, base_url=BASE)

    assert theirs.status_code == 404 and "Budi" not in theirs.text
    assert "Budi" not in search.text
    assert "kode masuk sudah dikirim" in asked.text and sent_to(graph, "6281299998888") == []


def test_signing_out_ends_the_session_and_the_pages_are_never_cached(function_client, graph, area):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph)
    today = client.get("/", base_url=BASE)

    out = client.post("/keluar", data={"csrf": _form_token(today.text)}, base_url=BASE)
    after = client.get("/", base_url=BASE)

    assert today.headers["Cache-Control"] == "no-store"
    assert out.status_code == 302 and out.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert after.status_code == 302 and after.headers["Location"].endswith("/masuk")


def test_every_page_carries_the_security_headers_and_forms_need_their_token(function_client, graph, area):
    client = function_client("dashboard", "dashboard")

    page = client.get("/masuk", base_url=BASE)
    forged = client.post("/masuk", data={"nomor": "0" + KADER[2:]}, base_url=BASE)

    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert forged.status_code == 400 and sent_to(graph, KADER) == []
    assert "<script>" not in page.text  # no inline script: CSP would block it


def test_a_wrong_code_is_refused_kindly(function_client, graph, area):
    client = function_client("dashboard", "dashboard")
    page = client.get("/masuk", base_url=BASE)
    asked = client.post("/masuk", data={"nomor": "0" + KADER[2:], "csrf": _form_token(page.text)}, base_url=BASE)

    wrong = client.post("/masuk/kode", data={"nomor": "0" + KADER[2:], "kode": "000000",
                                             "csrf": _form_token(asked.text)}, base_url=BASE)

    assert wrong.status_code == 200 and "Kode salah atau sudah tidak berlaku" in wrong.text
    assert client.get("/", base_url=BASE).status_code == 302
