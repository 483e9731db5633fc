"""The staff page (/petugas) end to end through functions/dashboard: an admin signed in with the code the Graph API
stand-in received adds a kader, who signs in, and deactivates them, which ends the kader's session at once; anyone
else gets 404; forms need their CSRF token; a forged id from another area changes nothing."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.test_dashboard import BASE, sign_in

pytestmark = pytest.mark.e2e

ADMIN = "6281300000201"
KADER = "6281300000202"
GARUT_KADER = "6281300000203"
NEW = "6281300000277"


@pytest.fixture
def area(migrated) -> dict[str, int]:
    """Cianjur (Melati, Mawar) with an admin and a kader at Melati; Garut (Anggrek) with a kader of its own."""
    ids = {name: migrated.run("INSERT INTO posyandu (name, village, district, regency) VALUES (%s, %s, 'Cibeber', "
                              "%s) RETURNING id", (name, village, regency))[0][0]
           for name, village, regency in (("Melati", "Sukamaju", "Cianjur"), ("Mawar", "Sukasari", "Cianjur"),
                                          ("Anggrek", "Sukamaju", "Garut"))}
    for key, number, name, role, home in (("admin", ADMIN, "Bu Admin", "admin", "Melati"),
                                          ("kader", KADER, "Siti", "kader", "Melati"),
                                          ("garut_kader", GARUT_KADER, "Rina", "kader", "Anggrek")):
        ids[key] = migrated.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) "
                                "RETURNING id", (number, name, role, ids[home]))[0][0]
    return ids


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]


def status_of(response) -> str:
    """The outcome key a redirect-after-POST carries."""
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["status"][0]


def staff_rows(db) -> list[tuple]:
    return [tuple(r) for r in db.run("SELECT wa_id, name, role, posyandu_id, active FROM staff ORDER BY id")]


def signed_in_admin(function_client, graph):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, ADMIN)
    return client, client.get("/petugas", base_url=BASE)


def test_an_admin_adds_a_kader_who_signs_in_and_deactivating_them_ends_their_session(function_client, graph, area,
                                                                                     migrated):
    admin, page = signed_in_admin(function_client, graph)
    added = admin.post("/petugas/tambah", data={"nama": "Dewi <b>Lestari</b>", "nomor": "0813-0000-0277",
                                                "peran": "kader", "posyandu": str(area["Mawar"]),
                                                "csrf": token(page.text)}, base_url=BASE)
    after = admin.get(added.headers["Location"], base_url=BASE)
    [(new_id,)] = migrated.run("SELECT id FROM staff WHERE wa_id = %s", (NEW,))

    kader = function_client("dashboard", "dashboard")
    sign_in(kader, graph, NEW)
    before = kader.get("/", base_url=BASE)
    person = admin.get(f"/petugas/{new_id}", base_url=BASE)
    gone = admin.post(f"/petugas/{new_id}/nonaktifkan", data={"csrf": token(person.text)}, base_url=BASE)
    shown = admin.get(gone.headers["Location"], base_url=BASE)
    later = kader.get("/", base_url=BASE)

    assert page.status_code == 200 and "Siti" in page.text and "Rina" not in page.text
    assert 'href="/petugas"' in page.text  # the admin's menu has the page
    assert status_of(added) == "added" and "Petugas sudah ditambahkan" in after.text
    assert "Dewi &lt;b&gt;Lestari&lt;/b&gt;" in after.text and "<b>Lestari" not in after.text
    assert before.status_code == 200
    assert status_of(gone) == "deactivated" and "semua sesi masuknya sudah berakhir" in shown.text
    assert later.status_code == 302 and later.headers["Location"].endswith("/masuk")
    assert migrated.run("SELECT active FROM staff WHERE id = %s", (new_id,))[0][0] is False
    assert migrated.run("SELECT actor, action FROM audit_log WHERE entity = 'staff' AND entity_id = %s "
                        "AND action IN ('staff.insert', 'staff.update', 'staff.sessions_revoke') ORDER BY id",
                        (new_id,)) == [[f"staff:{area['admin']}", a] for a in
                                       ("staff.insert", "staff.update", "staff.sessions_revoke")]


def test_a_kader_gets_404_for_every_staff_page_and_changes_nothing(function_client, graph, area, migrated):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, KADER)
    home = client.get("/", base_url=BASE)
    before = staff_rows(migrated)

    answers = [client.get("/petugas", base_url=BASE), client.get(f"/petugas/{area['admin']}", base_url=BASE),
               client.post("/petugas/tambah", data={"nama": "Dewi", "nomor": "0813-0000-0277", "peran": "admin",
                                                    "posyandu": str(area["Melati"]), "csrf": token(home.text)},
                           base_url=BASE),
               client.post(f"/petugas/{area['admin']}/nonaktifkan", data={"csrf": token(home.text)}, base_url=BASE)]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert "/petugas" not in home.text
    assert staff_rows(migrated) == before


def test_a_form_without_its_csrf_token_is_refused(function_client, graph, area, migrated):
    admin, page = signed_in_admin(function_client, graph)
    before = staff_rows(migrated)

    add = admin.post("/petugas/tambah", data={"nama": "Dewi", "nomor": "0813-0000-0277", "peran": "kader",
                                              "posyandu": str(area["Melati"])}, base_url=BASE)
    off = admin.post(f"/petugas/{area['kader']}/nonaktifkan", data={"csrf": "0" * 64}, base_url=BASE)

    assert (add.status_code, off.status_code) == (400, 400)
    assert staff_rows(migrated) == before


def test_forged_ids_from_another_area_are_refused_and_change_nothing(function_client, graph, area, migrated):
    admin, page = signed_in_admin(function_client, graph)
    csrf = token(page.text)
    before = staff_rows(migrated)

    answers = [
        admin.post("/petugas/tambah", data={"nama": "Dewi", "nomor": "0813-0000-0277", "peran": "kader",
                                            "posyandu": str(area["Anggrek"]), "csrf": csrf}, base_url=BASE),
        admin.post(f"/petugas/{area['kader']}/ubah", data={"peran": "kader", "posyandu": str(area["Anggrek"]),
                                                          "csrf": csrf}, base_url=BASE),
        admin.post(f"/petugas/{area['garut_kader']}/ubah", data={"peran": "bidan", "posyandu": str(area["Melati"]),
                                                                "csrf": csrf}, base_url=BASE),
        admin.post(f"/petugas/{area['garut_kader']}/nonaktifkan", data={"csrf": csrf}, base_url=BASE),
        admin.post("/petugas/tambah", data={"nama": "Dewi", "nomor": "0813-0000-0277", "peran": "kader",
                                            "posyandu": "1 OR 1=1", "csrf": csrf}, base_url=BASE),
        admin.post("/petugas/99999999999999999999999/nonaktifkan", data={"csrf": csrf}, base_url=BASE),
    ]
    shown = admin.get(answers[0].headers["Location"], base_url=BASE)
    theirs = admin.get(f"/petugas/{area['garut_kader']}", base_url=BASE)

    assert [status_of(a) for a in answers] == ["out_of_scope"] * 6
    assert "di luar wilayah Anda" in shown.text
    assert theirs.status_code == 404 and "Rina" not in theirs.text
    assert staff_rows(migrated) == before


def test_refusals_are_kind_and_only_the_catalogues_words_are_shown(function_client, graph, area, migrated):
    admin, page = signed_in_admin(function_client, graph)
    csrf = token(page.text)
    before = staff_rows(migrated)

    outcomes = [status_of(admin.post("/petugas/tambah", data=data | {"csrf": csrf}, base_url=BASE)) for data in (
        {"nama": "Rina", "nomor": "+62 813 0000 0203", "peran": "kader", "posyandu": str(area["Melati"])},
        {"nama": "Dewi", "nomor": "12345", "peran": "kader", "posyandu": str(area["Melati"])},
        {"nama": "Dewi", "nomor": "0813-0000-0277", "peran": "kader", "posyandu": ""},
    )] + [status_of(admin.post(f"/petugas/{area['admin']}/nonaktifkan", data={"csrf": csrf}, base_url=BASE))]
    duplicate = admin.get("/petugas?status=already_staff", base_url=BASE)
    bad = admin.get("/petugas?status=bad_number", base_url=BASE)
    forged = admin.get("/petugas?status=%3Cscript%3Ealert(1)%3C/script%3E", base_url=BASE)
    own = admin.get(f"/petugas/{area['admin']}?status=self", base_url=BASE)

    assert outcomes == ["already_staff", "bad_number", "posyandu_needed", "self"]
    assert "sudah terdaftar sebagai petugas" in duplicate.text
    assert "0812 3456 7890" in bad.text
    assert forged.status_code == 200 and "alert(1)" not in forged.text and 'role="status"' not in forged.text
    assert "tidak bisa mengubah atau menonaktifkan akun Anda sendiri" in own.text
    assert f'action="/petugas/{area["admin"]}/nonaktifkan"' not in own.text  # no button against oneself
    assert staff_rows(migrated) == before


def test_an_admin_re_scopes_a_kader_and_reactivates_them(function_client, graph, area, migrated):
    admin, page = signed_in_admin(function_client, graph)
    csrf = token(page.text)

    moved = admin.post(f"/petugas/{area['kader']}/ubah", data={"peran": "bidan", "posyandu": str(area["Mawar"]),
                                                              "csrf": csrf}, base_url=BASE)
    off = admin.post(f"/petugas/{area['kader']}/nonaktifkan", data={"csrf": csrf}, base_url=BASE)
    on = admin.post(f"/petugas/{area['kader']}/aktifkan", data={"csrf": csrf}, base_url=BASE)
    person = admin.get(on.headers["Location"], base_url=BASE)
    english = admin.post("/bahasa", data={"bahasa": "en", "kembali": "/petugas", "csrf": csrf}, base_url=BASE)
    listed = admin.get("/petugas?status=changed", base_url=BASE)

    assert [status_of(r) for r in (moved, off, on)] == ["changed", "deactivated", "reactivated"]
    assert "Petugas sudah aktif kembali" in person.text and "Bidan" in person.text
    assert english.status_code == 302 and "The role and posyandu were changed." in listed.text
    assert migrated.run("SELECT role, posyandu_id, active FROM staff WHERE id = %s",
                        (area["kader"],)) == [["bidan", area["Mawar"], True]]
