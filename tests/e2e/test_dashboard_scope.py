"""Every dashboard page, export and form, for every role of one area, against another area's ids (issue 16), end to
end through functions/dashboard. The routes are walked from the app's own url_map, so a new one is tried as soon as
it exists: another area's ids answer 404 (a form: a refusal that changes nothing), its names, numbers and ids never
show, and nothing of it is audited as viewed. The same requests with one's own area's ids succeed, so the refusals
are not everything failing.

The two areas are two kabupaten that reuse the names of their kecamatan, desa and puskesmas: a scope that forgot the
kabupaten shows."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.routing import Rule

from shared.config import DEFAULT_TZ
from shared.dashboard import pages_staff, session, web
from shared.ports import DashboardPorts
from tests.e2e.test_dashboard import BASE, sign_in
from tests.e2e.test_dashboard_staff import staff_rows, status_of, token

pytestmark = pytest.mark.e2e

TODAY = datetime.now(ZoneInfo(DEFAULT_TZ)).date()  # the dashboard's zone (TZ_DEFAULT)
MONTH = f"{TODAY:%Y-%m}"
STAFF = {"kader": "6281300000401", "bidan": "6281300000402", "puskesmas": "6281300000403",
         "admin": "6281300000404"}  # area A's, all at its posyandu
NEW = "6281300000477"  # the number the staff form adds
FINDING = '{"tier": "today", "findings": ["severely_underweight", "stunted"]}'

# Routes that read nothing by id or by scope, so there is nothing of another area to ask them for.
SKIP = {
    "static", "manifest", "service_worker",  # the app's own files: CSS, script, icons, manifest, service worker
    "sign_in_page", "ask_code", "check_code",  # signing in: before anyone has a scope
    "sign_out",  # ends the caller's own session
    "choose_language",  # sets a cookie
}
ADMIN_ONLY = "/petugas"  # pages_staff: anyone but an admin gets 404, as for a page that does not exist
PARAMS = ("child_id", "posyandu_id", "staff_id", "kind", "bulan")  # what an area's dict fills a route's path with
# The query of a page without parameters, and the form of every POST route, aimed at an area.
QUERIES = {
    "children_page": lambda a: {"q": a["names"][1]},
    "posyandu_page": lambda a: {"bulan": MONTH, "posyandu": a["posyandu_id"]},
    "export_page": lambda a: {"bulan": MONTH, "posyandu": a["posyandu_id"]},
}
FORMS = {
    "staff_add": lambda a: {"nama": "Dewi", "nomor": "0" + NEW[2:], "peran": "kader",
                            "posyandu": str(a["posyandu_id"])},
    "staff_change": lambda a: {"peran": "bidan", "posyandu": str(a["posyandu_id"])},
    "staff_deactivate": lambda a: {},
    "staff_reactivate": lambda a: {},
}


def _no_ports() -> DashboardPorts:
    raise AssertionError("walking the routes reads nothing")


# The app as functions/dashboard/main.py makes it (web.create_app); listing its routes calls no port.
APP = web.create_app(web.Context(ports=_no_ports, keys=session.Keys.from_secret("routes only"), tz=DEFAULT_TZ))
URLS = APP.url_map.bind("dashboard.test")
ROUTES = [(rule, method) for rule in APP.url_map.iter_rules() if rule.endpoint not in SKIP
          for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


@pytest.fixture
def areas(migrated) -> dict[str, dict]:
    """A (Cianjur: posyandu Melati) and B (Garut: posyandu Mawar), each posyandu of desa Sukamaju, kecamatan Cibeber,
    PKM Cibeber (a desa and kecamatan cannot hold two posyandu of one name); in each a child measured today with a
    finding for today whose family consented, and a kader the staff forms aim at. A has a member of every role at
    its posyandu."""
    def one(sql: str, params: tuple) -> int:
        return migrated.run(sql, params)[0][0]

    out = {}
    for key, regency, name, child, parent, member, number in (
            ("A", "Cianjur", "Melati", "Kartini", "6281200000401", "Sari", "6281300000405"),
            ("B", "Garut", "Mawar", "Zulkarnain", "6281200000499", "Zubaidah", "6281300000499")):
        posyandu = one("INSERT INTO posyandu (name, village, district, regency, puskesmas) VALUES (%s, 'Sukamaju', "
                       "'Cibeber', %s, 'PKM Cibeber') RETURNING id", (name, regency))
        guardian = one("INSERT INTO guardians (wa_id, consent_at, consent_version) VALUES (%s, now(), 'v1') "
                       "RETURNING id", (parent,))
        child_id = one("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) VALUES (%s, %s, 'F', "
                       "%s, %s) RETURNING id", (guardian, child, TODAY - timedelta(days=300), posyandu))
        migrated.run("INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, "
                     "assessment) VALUES (%s, %s, 7.1, 70.5, 'l', 'whatsapp', %s::jsonb)", (child_id, TODAY, FINDING))
        staff_id = one("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, 'kader', %s) RETURNING id",
                       (number, member, posyandu))
        out[key] = {"child_id": child_id, "posyandu_id": posyandu, "staff_id": staff_id, "kind": "wfa",
                    "bulan": MONTH, "names": (name, child, member), "numbers": (parent, number)}
    for role, number in STAFF.items():
        migrated.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, 'Siti', %s, %s)",
                     (number, role, out["A"]["posyandu_id"]))
    return out


def ask(client, rule: Rule, method: str, area: dict, csrf: str):
    """The route's request aimed at the area: its ids in the path, and its query or form (with the CSRF token)."""
    path = URLS.build(rule.endpoint, {arg: area[arg] for arg in rule.arguments}, method=method)
    if method == "POST":
        return client.post(path, data=FORMS[rule.endpoint](area) | {"csrf": csrf}, base_url=BASE)
    return client.get(path, query_string=QUERIES.get(rule.endpoint, lambda a: {})(area), base_url=BASE)


def shown(response, area: dict) -> list[str]:
    """What of the area the response shows: its posyandu's, child's or member's name, a number, or a link or field
    naming one of its ids. What the request itself sent, echoed in a field (the search's text, the page's path the
    language form sends back), is not counted."""
    body = response.data.decode("utf-8", "replace")
    for field, value in [("kembali", response.request.path), *response.request.args.items()]:
        body = body.replace(f'name="{field}" value="{html.escape(value)}"', "")
    words = [*area["names"], *(n[2:] for n in area["numbers"])]  # a number's 812…: its 62812… and 0812… alike
    p = area["posyandu_id"]
    ids = [f"/anak/{area['child_id']}", f"/petugas/{area['staff_id']}", f"/ekspor/{p}/", f"/rekap/{p}/",
           f'data-posyandu="{p}"', f'option value="{p}"']
    return re.findall("|".join(map(re.escape, words)) + "|(?:" + "|".join(map(re.escape, ids)) + ")(?![0-9])", body)


def outcome(response) -> str:
    """"ok", "not_found", a staff form's outcome key, or the status code of anything else."""
    if response.status_code == 302 and "status=" in response.headers.get("Location", ""):
        return status_of(response)
    return {200: "ok", 404: "not_found"}.get(response.status_code, str(response.status_code))


def expected(role: str, rule: Rule, method: str, own: bool) -> set[str]:
    """The outcomes a role's request may have, with its own area's ids or another's."""
    if rule.rule.startswith(ADMIN_ONLY) and role != "admin":
        return {"not_found"}
    if method == "POST":
        return set(pages_staff.DONE) if own else {"out_of_scope"}
    return {"ok"} if own or not rule.arguments else {"not_found"}


def audit_of(db, area: dict) -> list[list]:
    return db.run("SELECT actor, action, entity, entity_id FROM audit_log WHERE (entity, entity_id) IN "
                  "(('child', %s), ('posyandu', %s), ('staff', %s)) ORDER BY id",
                  (area["child_id"], area["posyandu_id"], area["staff_id"]))


def test_every_route_is_tried_or_skipped_for_a_reason():
    """Each route the app has is either in SKIP or one whose parameters, query and form this module can fill."""
    endpoints = {rule.endpoint for rule in APP.url_map.iter_rules()}

    unknown = [(rule.rule, sorted(set(rule.arguments) - set(PARAMS))) for rule, _ in ROUTES
               if set(rule.arguments) - set(PARAMS)]
    unformed = [rule.rule for rule, method in ROUTES if method == "POST" and rule.endpoint not in FORMS]

    assert unknown == [], "a route has a parameter this test cannot fill: add it to PARAMS and the areas"
    assert unformed == [], "a form this test does not know: add it to FORMS"
    assert {method for _, method in ROUTES} <= {"GET", "POST"}
    assert SKIP <= endpoints and set(FORMS) <= endpoints and set(QUERIES) <= endpoints  # no stale names
    assert {"child_page", "child_chart", "export_csv", "recap_page", "staff_person_page", "staff_change"} <= \
        {rule.endpoint for rule, _ in ROUTES}  # the walk sees the pages registered by pages_*.py too


@pytest.mark.parametrize("role", STAFF)
def test_no_page_export_or_form_reaches_another_area(role, function_client, graph, areas, migrated):
    """Another kabupaten's child, posyandu, month and staff ids get 404 or out_of_scope from every route, for every
    role; nothing of it shows, changes or is audited as viewed; one's own ids are served."""
    mine, theirs = areas["A"], areas["B"]
    client = function_client("dashboard", "dashboard")
    sign_in(client, graph, STAFF[role])
    csrf = token(client.get("/", base_url=BASE).text)
    staff_before, audit_before = staff_rows(migrated), audit_of(migrated, theirs)

    attempts = [(rule, method, ask(client, rule, method, theirs, csrf)) for rule, method in ROUTES]
    staff_after = staff_rows(migrated)
    served = [(rule, method, ask(client, rule, method, mine, csrf)) for rule, method in ROUTES]


    not_refused = [(method, rule.rule, outcome(r)) for rule, method, r in attempts
                       if outcome(r) not in expected(role, rule, method, own=False)]
    not_served = [(method, rule.rule, outcome(r)) for rule, method, r in served
                  if outcome(r) not in expected(role, rule, method, own=True)]
    leaks = [(method, r.request.path, found) for rule, method, r in attempts + served if (found := shown(r, theirs))]
    blind = [rule.rule for rule, method, r in served  # a list page of one's area that shows nothing of it
             if method == "GET" and not rule.arguments and outcome(r) == "ok" and not shown(r, mine)]
    assert not_refused == []
    assert leaks == []
    assert staff_after == staff_before
    assert audit_of(migrated, theirs) == audit_before  # no child.view, child.chart or export.* of theirs
    assert not_served == []
    assert blind == []
    viewed = {action for _, action, _, _ in audit_of(migrated, mine)}
    assert {"child.view", "child.chart", "export.csv", "export.recap"} <= viewed  # the audit does see views
