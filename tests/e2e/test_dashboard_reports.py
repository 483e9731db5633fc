"""The dashboard's Posyandu and Ekspor pages end to end through functions-framework's test client: a month's
counts as one counts them by hand, the 12-month trend as an inline SVG equal to the sums of the scoped read, each
role inside its area, the e-PPGBM CSV (header order, rows, BOM, formula guard, audit, another area's id), the
printable recap by age band, kind refusals of bad months, and nothing private cached."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from shared.adapters.postgres import PgDashboard
from shared.domain.model import Staff
from tests.e2e.test_dashboard import BASE, _form_token, sign_in

pytestmark = pytest.mark.e2e

KADER, BIDAN, OTHER_KADER = "6281300000021", "6281300000022", "6281300000023"
HYPERLINK = '=HYPERLINK("http://x.test/","klik")'


def shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


THIS_MONTH = datetime.now(ZoneInfo("Asia/Jakarta")).date().replace(day=1)  # the dashboard's zone (TZ_DEFAULT)
MONTH = shift(THIS_MONTH, -1)  # the seeded month: last month, whole
M = f"{MONTH:%Y-%m}"


def scored(age_months: int, code: str | None, *, lfa="normal", wfl="normal", wfa="normal", bgm=False) -> str:
    """An assessment as services.assessing.summarise stores it (the parts the counts read)."""
    def r(category):
        return {"z": 0.0, "flag": False, "category": category, "status": "ok"}
    return json.dumps({"age_days": age_months * 30 + 12, "age_months": age_months, "oedema": False, "bgm": bgm,
                       "length_for_age": r(lfa), "weight_for_length": r(wfl), "weight_for_age": r(wfa),
                       "gain": {"code": code, "two_t": False} if code else None, "tier": "routine",
                       "findings": []})


@pytest.fixture
def reports(migrated):
    """Melati and Mawar in one village, Kenanga in another; a kader at Melati, its village's bidan, a kader at
    Kenanga. Melati's last month, by hand (ages at the month's end):
      Ani 10 mo (weighed: N, stunted), Budi 24 (weighed: T, BGM, underweight), Citra 30 (never measured),
      Dedi 70 (weighed, not a balita), Eka 40 (weighed the month before only), the formula-named child 3 (weighed: O).
    S 5, K 4 (not Citra), D 3, N 1, T 1, O 1, B 0, BGM 1; stunting 1/3, wasting 0/3, underweight 1/3."""
    def one(sql, params=()):
        return migrated.run(sql, params)[0][0]

    ids = {name: one("INSERT INTO posyandu (name, village, district, regency) VALUES (%s, %s, 'Cibeber', 'Cianjur') "
                     "RETURNING id", (name, village))
           for name, village in (("Melati", "Sukamaju"), ("Mawar", "Sukamaju"), ("Kenanga", "Sukasari"))}
    for number, role, at in ((KADER, "kader", "Melati"), (BIDAN, "bidan", "Melati"), (OTHER_KADER, "kader", "Kenanga")):
        ids[number] = one("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', %s, %s) RETURNING id",
                          (number, role, ids[at]))

    def child(at, name, months_old, visits=()):
        child_id = one("INSERT INTO children (name, sex, birth_date, posyandu_id) VALUES (%s, 'F', %s, %s) "
                       "RETURNING id", (name, shift(MONTH, -months_old), ids[at]))
        for n, (month, day, assessment, weight) in enumerate(visits):
            migrated.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, "
                         "source_ref, assessment) VALUES (%s, %s, %s, 70.5, 'l', 'sheet', %s, %s::jsonb)",
                         (child_id, month.replace(day=day), weight, f"t:{child_id}:{n}", assessment))
        ids[name] = child_id

    before = shift(MONTH, -1)
    child("Melati", "Ani", 10, [(before, 10, scored(9, "B"), 7.9), (MONTH, 10, scored(10, "N", lfa="stunted"), 8.3)])
    child("Melati", "Budi", 24, [(MONTH, 12, scored(24, "T", bgm=True, wfa="underweight"), 8.2)])
    child("Melati", "Citra", 30)
    child("Melati", "Dedi", 70, [(MONTH, 5, scored(70, "N"), 17.0)])
    child("Melati", "Eka", 40, [(before, 8, scored(39, "N"), 12.4)])
    child("Melati", HYPERLINK, 3, [(MONTH, 15, scored(3, "O"), 5.6)])
    child("Mawar", "Fitri", 12, [(MONTH, 11, scored(12, "N"), 9.0)])
    child("Kenanga", "Gita", 12, [(MONTH, 11, scored(12, "N", lfa="severely_stunted"), 9.1)])
    return ids


def cells(html: str, row_attr: str) -> dict[str, str]:
    """The cells (data-k → text, tags dropped) of the table row marked with row_attr, e.g. data-posyandu="7"."""
    row = re.search(rf"<tr {row_attr}.*?</tr>", html, re.S)
    assert row, row_attr
    return {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in re.findall(r'data-k="([^"]+)">(.*?)</td>', row[0], re.S)}


def test_the_posyandu_page_shows_a_months_counts_and_a_12_month_trend(function_client, graph, reports):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, KADER)

    page = client.get(f"/posyandu?bulan={M}", base_url=BASE)

    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    melati = cells(page.text, f'data-posyandu="{reports["Melati"]}"')
    assert melati == {"s": "5", "k": "4", "d": "3", "n": "1", "t": "1", "o": "1", "b": "0", "bgm": "1",
                      "ds": "60%", "nd": "33,3%", "ks": "80%", "stunting": "33,3% 1/3", "wasting": "0% 0/3",
                      "underweight": "33,3% 1/3"}
    assert "Mawar" not in page.text and "Kenanga" not in page.text  # a kader: their posyandu only
    svg = re.search(r'<svg class="trend".*?</svg>', page.text, re.S)
    assert svg and svg[0].count('<circle class="pt ds"') == 12
    assert svg[0].count('<circle class="pt stunting"') == 2  # measured lengths: last month and the one before
    assert "<polyline" in svg[0] and " style=" not in page.text and "<script>" not in page.text  # CSP: none inline
    assert f'href="/posyandu?bulan={shift(MONTH, -1):%Y-%m}"' in page.text  # the month before
    assert f'href="/posyandu?bulan={THIS_MONTH:%Y-%m}"' in page.text  # and after (this month)
    this_month = client.get("/posyandu", base_url=BASE)  # no month: this one, and no link to a month not come
    assert this_month.status_code == 200 and f'href="/posyandu?bulan={shift(THIS_MONTH, 1):%Y-%m}"' not in \
        this_month.text and f'value="{THIS_MONTH:%Y-%m}"' in this_month.text


def test_a_bidan_sees_her_villages_posyandu_and_the_trend_is_their_sum(function_client, graph, reports, migrated):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, BIDAN)

    page = client.get(f"/posyandu?bulan={M}", base_url=BASE)

    assert "Melati" in page.text and "Mawar" in page.text and "Kenanga" not in page.text
    total = cells(page.text, 'data-posyandu="total"')
    assert (total["s"], total["d"], total["n"], total["ds"]) == ("6", "4", "2", "66,7%")
    dash = PgDashboard(migrated)
    scope = dash.scope(Staff(reports[BIDAN], BIDAN, "Siti", "bidan", reports["Melati"]))
    rows = dash.posyandu_months(scope, [shift(MONTH, -by) for by in range(12)])
    for by in range(12):
        month = shift(MONTH, -by)
        of_month = [r for r in rows if r.month == month]
        shown = cells(page.text, f'data-month="{month:%Y-%m}"')
        assert (shown["s"], shown["d"], shown["n"]) == tuple(str(sum(getattr(r, k) for r in of_month))
                                                            for k in ("s", "d", "n")), month
    assert sum(r.s for r in rows) > 0 and cells(page.text, f'data-month="{M}"')["stunting"] == "25% 1/4"


def test_the_csv_is_eppgbm_ordered_guarded_audited_and_scoped(function_client, graph, reports, migrated):
    from shared.domain.dashboard import EPPGBM_HEADERS

    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, KADER)

    got = client.get(f"/ekspor/{reports['Melati']}/{M}.csv", base_url=BASE)
    theirs = client.get(f"/ekspor/{reports['Kenanga']}/{M}.csv", base_url=BASE)
    unknown = client.get(f"/ekspor/{10 ** 9}/{M}.csv", base_url=BASE)

    assert got.status_code == 200 and got.mimetype == "text/csv" and got.headers["Cache-Control"] == "no-store"
    assert got.headers["Content-Disposition"] == f'attachment; filename="tumbuh-melati-{M}.csv"'
    assert got.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.data.decode("utf-8-sig"))))
    assert rows[0] == list(EPPGBM_HEADERS)
    by_name = {r[0]: r for r in rows[1:]}
    assert sorted(by_name) == sorted(["Ani", "Budi", "Dedi", "'" + HYPERLINK])  # the month's, Eka's is older
    assert by_name["Budi"][2:10] == ["P", f"01/{shift(MONTH, -24):%m/%Y}", "", "Melati", "Sukamaju",
                                     f"12/{MONTH:%m/%Y}", "8,2", "70,5"]
    assert '"8,2"' in got.data.decode("utf-8")  # a decimal comma is quoted
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    audit = migrated.run("SELECT actor, action, entity, entity_id, detail FROM audit_log WHERE action LIKE 'export%'")
    assert audit == [[f"staff:{reports[KADER]}", "export.csv", "posyandu", reports["Melati"], {"month": M}]]
    assert theirs.status_code == 404 and unknown.status_code == 404 and "Gita" not in theirs.text
    # another area's posyandu looks like one that does not exist (the pages differ only by the path they name)
    assert theirs.text.replace(f"/{reports['Kenanga']}/", "/?/") == unknown.text.replace(f"/{10 ** 9}/", "/?/")


def test_the_export_page_lists_ones_posyandu_with_their_links(function_client, graph, reports):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, KADER)

    page = client.get(f"/ekspor?bulan={M}", base_url=BASE)
    default = client.get("/ekspor", base_url=BASE)

    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'href="/ekspor/{reports["Melati"]}/{M}.csv"' in page.text
    assert f'href="/rekap/{reports["Melati"]}/{M}"' in page.text
    assert "Mawar" not in page.text and "Kenanga" not in page.text and "ditimbang: 3" in page.text
    assert 'href="/posyandu"' in page.text and 'href="/ekspor"' in page.text  # the two links in the nav
    assert f'href="/ekspor/{reports["Melati"]}/{THIS_MONTH:%Y-%m}.csv"' in default.text


def test_the_printable_recap_has_the_age_bands_and_is_audited(function_client, graph, reports, migrated):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, BIDAN)

    page = client.get(f"/rekap/{reports['Melati']}/{M}", base_url=BASE)
    theirs = client.get(f"/rekap/{reports['Kenanga']}/{M}", base_url=BASE)

    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert [band for band in re.findall(r'data-band="([^"]+)"', page.text)] == \
        ["0-5", "6-11", "12-23", "24-35", "36-59", "total"]
    assert "0–5 bulan" in page.text and "36–59 bulan" in page.text
    assert [cells(page.text, f'data-band="{b}"')["s"] for b in ("0-5", "6-11", "12-23", "24-35", "36-59")] == \
        ["1", "1", "0", "2", "1"]
    total = cells(page.text, 'data-band="total"')
    assert (total["s"], total["k"], total["d"], total["n"], total["ds"]) == ("5", "4", "3", "1", "60%")
    assert theirs.status_code == 404 and "Gita" not in theirs.text
    audit = migrated.run("SELECT action, entity_id, detail FROM audit_log WHERE action LIKE 'export%'")
    assert audit == [["export.recap", reports["Melati"], {"month": M}]]


def test_bad_or_future_months_get_a_kind_refusal_in_the_persons_language(function_client, graph, reports):
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, KADER)
    melati = reports["Melati"]

    bad = [client.get(url, base_url=BASE) for url in (
        "/posyandu?bulan=2026-13", "/posyandu?bulan=abc", "/ekspor?bulan=11-2026", f"/ekspor/{melati}/abc.csv",
        f"/ekspor/{melati}/2026-00.csv", f"/rekap/{melati}/2026-1", "/posyandu?bulan=1999-12")]
    future = [client.get(url, base_url=BASE) for url in (
        f"/posyandu?bulan={shift(THIS_MONTH, 1):%Y-%m}", f"/ekspor/{melati}/{shift(THIS_MONTH, 1):%Y-%m}.csv")]
    page = client.get("/posyandu", base_url=BASE)
    client.post("/bahasa", data={"bahasa": "en", "kembali": "/posyandu", "csrf": _form_token(page.text)},
                base_url=BASE)
    english = client.get("/posyandu?bulan=abc", base_url=BASE)

    for response in bad:
        assert response.status_code == 400 and "Bulan ditulis seperti 2026-11" in response.text, response.request.url
        assert response.headers["Cache-Control"] == "no-store"
    for response in future:
        assert response.status_code == 400 and "Bulan itu belum tiba" in response.text
    assert english.status_code == 400 and "Write the month like 2026-11" in english.text
