"""The dashboard's reads on real PostgreSQL: each role's scope exactly, nothing from another area whatever id is
asked for, "Hari ini"'s order and window, SKDN of a month counted by hand, the SQL counts equal to the recap's own
on varied data, the name search taking % and _ literally, the e-PPGBM export and the audit of views.

Two kabupaten share the names of their kecamatan, desa and puskesmas, so a scope that forgot the kabupaten shows."""
import itertools
import json
import random
from dataclasses import fields
from datetime import date, timedelta

import pytest

from shared.adapters.postgres import PgDashboard, PostgresRecords, migrate, url_connector
from shared.domain.dashboard import EPPGBM_HEADERS, MonthCounts
from shared.domain.model import Staff
from shared.ports import Scope
from tests.conftest import new_database

pytestmark = pytest.mark.integration

ON = date(2026, 11, 20)  # "today" for Hari ini
NOV, OCT, SEP, AUG = date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1)
AREA_A, AREA_B = "Kab Sukamaju", "Kab Lestari"
POSYANDU = (  # key: (name, desa, kecamatan, puskesmas); each area has the same five
    ("1", "Mawar", "Desa Satu", "Kec Utara", "PKM Utara"),
    ("2", "Melati", "Desa Satu", "Kec Utara", "PKM Utara"),
    ("3", "Anggrek", "Desa Dua", "Kec Utara", "PKM Utara"),
    ("4", "Kenanga", "Desa Tiga", "Kec Selatan", "PKM Selatan"),
    ("5", "Dahlia", "Desa Tiga", "Kec Selatan", ""),  # names no puskesmas: its kecamatan counts
)


def scored(age_months, *, tier="routine", findings=(), code=None, two_t=False, bgm=False, lfa="normal",
           wfl="normal", wfa="normal", flag=(), oedema=False, age_days=None) -> dict:
    """An assessment in the shape services.assessing.summarise stores."""
    def r(name, category):
        return {"z": 0.0, "flag": name in flag, "category": category, "status": "ok"}
    out = {"age_days": age_days if age_days is not None else int(age_months * 30.4375) + 3,
           "age_months": age_months, "oedema": oedema, "bgm": bgm, "concerns": [],
           "length_for_age": r("lfa", lfa), "weight_for_length": r("wfl", wfl), "weight_for_age": r("wfa", wfa),
           "gain": {"code": code, "two_t": two_t} if code else None, "findings": list(findings)}
    if tier is not None:
        out["tier"] = tier
    return out


class Area:
    """Rows put straight into PostgreSQL, as the chat and the Sheet leave them."""

    def __init__(self, db: PostgresRecords):
        self.db = db
        self.refs = itertools.count(1)
        self.posyandu: dict[str, int] = {}  # "A1" -> id
        self.staff: dict[str, Staff] = {}  # "kader A1" -> Staff
        self.children: dict[str, int] = {}  # name -> id

    def one(self, sql: str, params=()):
        return self.db.run(sql, params)[0][0]

    def add_posyandu(self, key: str, name: str, village: str, district: str, regency: str, puskesmas: str) -> int:
        self.posyandu[key] = self.one("INSERT INTO posyandu (name, village, district, regency, puskesmas) "
                                      "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                                      (name, village, district, regency, puskesmas))
        return self.posyandu[key]

    def add_staff(self, role: str, at: str | None) -> Staff:
        posyandu_id = self.posyandu[at] if at else None
        n = next(self.refs)
        staff_id = self.one("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) RETURNING id",
                            (f"62813{n:08d}", f"Petugas {n}", role, posyandu_id))
        self.staff[f"{role} {at}"] = Staff(staff_id, f"62813{n:08d}", f"Petugas {n}", role, posyandu_id)
        return self.staff[f"{role} {at}"]

    def guardian(self, wa_id: str, consented: bool = True, unreachable: bool = False) -> int:
        return self.one("INSERT INTO guardians (wa_id, consent_at, consent_version, unreachable_at) VALUES (%s, "
                        "CASE WHEN %s THEN now() END, CASE WHEN %s THEN 'v1' END, CASE WHEN %s THEN now() END) "
                        "RETURNING id", (wa_id, consented, consented, unreachable))

    def child(self, at: str, name: str, born: date | None, sex: str = "F", guardian: int | None = None,
              parent: str | None = None) -> int:
        child_id = self.one("INSERT INTO children (guardian_id, posyandu_id, name, sex, birth_date, parent_wa_id) "
                            "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                            (guardian, self.posyandu[at], name, sex, born, parent))
        self.children[name] = child_id
        return child_id

    def measure(self, child: int, on: date, a: dict | None, weight: float | None = 9.0, height: float | None = 75.0,
                review: str | None = None, flags: tuple = (), measure: str = "l", head: float | None = None,
                muac: float | None = None, oedema: bool = False) -> int:
        return self.one(
            "INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, headc_cm, armc_cm, "
            "oedema, source, source_ref, flags, assessment, review) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'sheet', %s, %s, %s, %s) RETURNING id",
            (child, on, weight, height, measure, head, muac, oedema, f"t:{next(self.refs)}", list(flags),
             None if a is None else json.dumps(a), review))


def seed_areas(area: Area) -> None:
    for regency, letter in ((AREA_A, "A"), (AREA_B, "B")):
        for key, name, village, district, puskesmas in POSYANDU:
            area.add_posyandu(letter + key, f"{name} {letter}{key}", village, district, regency, puskesmas)
    for role, at in (("kader", "A1"), ("bidan", "A1"), ("puskesmas", "A1"), ("puskesmas", "A4"),
                     ("puskesmas", "A5"), ("admin", "A3"), ("admin", None), ("kader", "B1"), ("bidan", "B3"),
                     ("puskesmas", "B2"), ("puskesmas", "B5"), ("admin", "B4")):
        area.add_staff(role, at)


def seed_month_of_a1(area: Area) -> None:
    """Posyandu A1 in November 2026, counted by hand in test_skdn_of_a_month_counted_by_hand."""
    c = area.child("A1", "Ani", date(2026, 8, 1))  # 3 months
    area.measure(c, date(2026, 9, 1), scored(1, code="B"))
    area.measure(c, date(2026, 11, 2), scored(3, code="T"))
    area.measure(c, date(2026, 11, 20), scored(3, code="N"))  # the month's last weighing is the one that counts
    g = area.guardian("6281111000004")
    c = area.child("A1", "Bayu", date(2025, 1, 20), sex="M", guardian=g)  # 22 months
    area.measure(c, date(2026, 6, 1), scored(16, code="N"))
    area.measure(c, date(2026, 11, 5), scored(21, code="O", lfa="stunted", bgm=True, wfa="severely_underweight"),
                 weight=8.2, height=79.5, head=46.5, muac=12.5)
    c = area.child("A1", "Citra", date(2021, 1, 1))  # 70 months: not a balita, in no count
    area.measure(c, date(2026, 11, 5), scored(70, code="N"))
    area.child("A1", "Dodi", date(2024, 12, 1), sex="M")  # 23 months, never measured: S, not K
    c = area.child("A1", "Eka", date(2026, 11, 10))  # born this month
    area.measure(c, date(2026, 11, 12), scored(0, code="B"))
    c = area.child("A1", "Fajar", None, sex="M")  # only an age: born ~10 Sep 2025 (400 days before 15 Oct 2026)
    area.measure(c, date(2026, 10, 15), scored(13, age_days=400.6, code="B"))
    area.measure(c, date(2026, 11, 15), scored(14, code="T", two_t=True, wfl="wasted", wfa="underweight"))
    c = area.child("A1", "Gita", date(2024, 6, 15))  # a confirmed extreme value: in D, out of the prevalence
    area.measure(c, date(2026, 10, 8), scored(27, code="N"))
    area.measure(c, date(2026, 11, 8), scored(28, code="N", lfa="severely_stunted", wfa="severely_underweight",
                                              bgm=True, flag=("lfa", "wfa")),
                 review="confirmed", flags=("length_for_age", "weight_for_age"))
    c = area.child("A1", "Hadi", date(2023, 5, 5), sex="M")
    area.measure(c, date(2026, 9, 9), scored(40, code="N"))
    area.measure(c, date(2026, 11, 9), scored(42), weight=None, height=95.0, measure="h")  # measured, not weighed
    c = area.child("A1", "Indah", date(2024, 3, 3))
    area.measure(c, date(2026, 10, 10), scored(31, code="N"))
    area.measure(c, date(2026, 11, 10), scored(32, code="N", oedema=True, wfl=None, wfa=None, bgm=False),
                 oedema=True)
    c = area.child("A1", "Joko", date(2022, 1, 1), sex="M")  # 58 months, weighed in October only
    area.measure(c, date(2026, 10, 1), scored(57, code="N"))
    c = area.child("A1", "Kiki", date(2025, 5, 5))  # weighed, value waiting for a re-measure: in D all the same
    area.measure(c, date(2026, 11, 12), scored(18, tier=None, bgm=True, wfl="severely_wasted",
                                               wfa="severely_underweight", flag=("wfl", "wfa")),
                 review="remeasure", flags=("weight_for_length", "weight_for_age"))


def seed_today_of_a2(area: Area) -> dict[str, int]:
    """Posyandu A2 as "Hari ini" sees it on ON."""
    def on(days: int) -> date:
        return ON + timedelta(days=days)

    g1, g2, g3 = (area.guardian("6281111000001"), area.guardian("6281111000002", unreachable=True),
                  area.guardian("6281111000003", consented=False))
    c = area.child("A2", "Tono", date(2025, 2, 2), sex="M", guardian=g1)
    area.measure(c, on(-10), scored(21, tier="now", findings=("danger_sign", "severely_wasted")), weight=7.5,
                 height=78.0)
    area.db.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, sent_at, basis_on) "
                "VALUES (%s, %s, 'followup', %s, now(), now(), %s)", (c, g1, on(-9), on(-10)))
    c = area.child("A2", "Tari", date(2025, 2, 2), parent="6281111000099")  # a claim, no consenting parent
    area.measure(c, on(-5), scored(21, tier="today", findings=("severely_underweight",)))
    c = area.child("A2", "Tomi", date(2025, 2, 2), sex="M", guardian=g2)
    area.measure(c, on(-30), scored(20, tier="today", findings=("oedema",)))
    area.db.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, sent_at, basis_on, answer, "
                "answered_at) VALUES (%s, %s, 'followup', %s, now(), now(), %s, 'done', now())",
                (c, g2, on(-29), on(-30)))
    c = area.child("A2", "Tuti", date(2025, 2, 2))
    area.measure(c, on(-90), scored(18, tier="soon", findings=("stunted",)))  # the window's first day
    c = area.child("A2", "Teguh", date(2025, 2, 2), sex="M")
    area.measure(c, on(-91), scored(18, tier="soon", findings=("stunted",)))  # a day too old
    c = area.child("A2", "Tina", date(2025, 2, 2))
    area.measure(c, on(-20), scored(20, tier="today", findings=("muac_severe",)))
    area.measure(c, on(-2), scored(21, tier=None), review="remeasure", flags=("weight_for_age",))  # not trusted
    c = area.child("A2", "Toni", date(2025, 2, 2), sex="M")
    area.measure(c, on(-20), scored(20, tier="now", findings=("danger_sign",)))
    area.measure(c, on(-3), scored(21, tier="routine"))  # seen since: nothing to do
    c = area.child("A2", "Tegar", date(2025, 2, 2), sex="M")
    area.measure(c, on(-5), scored(21, tier="routine"))
    c = area.child("A2", "Titi", date(2025, 2, 2))
    area.measure(c, on(-10), scored(21, tier="soon", findings=("two_t",), code="T", two_t=True))
    area.measure(c, on(1), scored(21, tier="routine"))  # after the day asked about
    c = area.child("A2", "Tia", date(2025, 2, 2), guardian=g3)  # the family never consented: no number shown
    area.measure(c, on(-19), scored(21, tier="soon", findings=("wasted",)))
    return {"now": 0}


def seed_names(area: Area) -> None:
    for at in ("A3", "B3"):
        for name in ("Siti 100%", "Siti 1000", "Budi_Santoso", "Budi Santoso", "budiXsantoso", "Back\\slash"):
            area.child(at, f"{name} {at}" if at == "B3" else name, date(2024, 1, 1))


def seed_area_b(area: Area) -> None:
    """Children of the other kabupaten that every A scope must never show."""
    for at in ("B1", "B2", "B4", "B5"):
        c = area.child(at, f"Rina {at}", date(2025, 3, 3), guardian=area.guardian(f"62822{area.posyandu[at]:08d}"))
        area.measure(c, ON - timedelta(days=3), scored(20, tier="now", findings=("danger_sign",), code="N"))
        area.db.run("INSERT INTO outbound_messages (wamid, guardian_id, kind, sent_at) "
                    "SELECT 'wamid.b' || %s, guardian_id, 'result', now() FROM children WHERE id = %s", (c, c))
        area.child(at, f"Rudi {at}", date(2024, 3, 3), sex="M")


def seed_varied(area: Area) -> None:
    """Many children and measurements drawn at random (a fixed seed): what the SQL counts must equal the recap's."""
    rnd = random.Random(1616)
    categories = {"lfa": ["normal", "stunted", "severely_stunted", "tall", None, ""],
                  "wfl": ["normal", "wasted", "severely_wasted", "overweight", None],
                  "wfa": ["normal", "underweight", "severely_underweight", "risk_of_overweight", None]}
    for at in ("A4", "A5", "B4", "B5"):
        for i in range(25):
            born = None if rnd.random() < 0.2 else date(2021, 6, 1) + timedelta(days=rnd.randint(0, 2000))
            child = area.child(at, f"Anak {at}-{i}", born)
            for month in (AUG, SEP, OCT, NOV):
                days = [rnd.randint(1, 28) for _ in range(rnd.choice((0, 0, 1, 1, 1, 2, 3)))]
                if days and rnd.random() < 0.3:
                    days.append(days[0])  # two on the same day: the one stored last counts
                for day in days:
                    a = None if rnd.random() < 0.05 else scored(
                        rnd.randint(0, 62), tier=rnd.choice(("routine", "soon", None)),
                        code=rnd.choice(("N", "T", "O", "B", None)), two_t=rnd.random() < 0.2,
                        bgm=rnd.random() < 0.2, oedema=rnd.random() < 0.05,
                        lfa=rnd.choice(categories["lfa"]), wfl=rnd.choice(categories["wfl"]),
                        wfa=rnd.choice(categories["wfa"]),
                        flag=tuple(k for k in ("lfa", "wfl", "wfa") if rnd.random() < 0.1),
                        age_days=rnd.uniform(0, 1800) if born is None else None)
                    weighed = rnd.random() < 0.85
                    area.measure(child, month.replace(day=day), a, weight=rnd.uniform(3, 20) if weighed else None,
                                 height=rnd.uniform(45, 110),
                                 review=rnd.choice((None, None, None, None, "remeasure", "confirmed")))


@pytest.fixture(scope="module")
def area(server_database_url):
    """One database for the module, seeded once (the tests read it; audit entries are the only writes)."""
    with new_database(server_database_url) as url:
        db = PostgresRecords(url_connector(url))
        migrate(db)
        a = Area(db)
        seed_areas(a)
        seed_month_of_a1(a)
        seed_today_of_a2(a)
        seed_names(a)
        seed_area_b(a)
        seed_varied(a)
        db.run("ANALYZE")
        yield a
        db.discard()


@pytest.fixture(scope="module")
def dash(area) -> PgDashboard:
    return PgDashboard(area.db)


def ids(area: Area, *keys: str) -> tuple[int, ...]:
    return tuple(sorted(area.posyandu[k] for k in keys))


def test_each_role_sees_exactly_its_area(area, dash):
    s = area.staff
    expected = {
        "kader A1": ("A1",),
        "bidan A1": ("A1", "A2"),  # its desa
        "puskesmas A1": ("A1", "A2", "A3"),  # PKM Utara of its kabupaten, not the other's PKM Utara
        "puskesmas A4": ("A4",),  # PKM Selatan: Dahlia names no puskesmas
        "puskesmas A5": ("A4", "A5"),  # no puskesmas named: its kecamatan
        "admin A3": ("A1", "A2", "A3", "A4", "A5"),
        "admin None": tuple(area.posyandu),
        "kader B1": ("B1",),
        "bidan B3": ("B3",),
        "puskesmas B2": ("B1", "B2", "B3"),
        "puskesmas B5": ("B4", "B5"),
        "admin B4": ("B1", "B2", "B3", "B4", "B5"),
    }
    for who, keys in expected.items():
        scope = dash.scope(s[who])
        assert scope == Scope(s[who].id, s[who].role, ids(area, *keys)), who


def test_no_home_posyandu_or_an_unknown_role_sees_nothing(area, dash):
    gone = 10 ** 9
    for role in ("kader", "bidan", "puskesmas", "admin"):
        assert dash.scope(Staff(1, "62800", "X", role, gone)).posyandu_ids == (), role
    for role in ("kader", "bidan", "puskesmas"):
        assert dash.scope(Staff(1, "62800", "X", role, None)).posyandu_ids == (), role
    assert dash.scope(Staff(1, "62800", "X", "owner", area.posyandu["A1"])).posyandu_ids == ()


def test_every_read_with_another_areas_ids_answers_nothing(area, dash):
    """THE cross-scope test: every role, every read, every id of a posyandu or child outside its scope."""
    every_child = area.db.run("SELECT id, posyandu_id FROM children")
    assert len(every_child) > 100
    months = [SEP, OCT, NOV]
    for who, staff in area.staff.items():
        scope = dash.scope(staff)
        mine = set(scope.posyandu_ids)
        outside_children = [c for c, p in every_child if p not in mine]
        outside_posyandu = [p for p in area.posyandu.values() if p not in mine]
        assert outside_children or who == "admin None"
        for child_id in outside_children:
            assert dash.child(scope, child_id) is None, (who, child_id)
        for posyandu_id in outside_posyandu:
            assert dash.export_month(scope, posyandu_id, NOV) is None, (who, posyandu_id)
            assert dash.recap_month(scope, posyandu_id, NOV) is None, (who, posyandu_id)
        shown = [r.posyandu_id for r in dash.today(scope, ON)] + \
            [r.posyandu_id for r in dash.not_weighed(scope, NOV, 5000)] + \
            [r.posyandu_id for text in ("Siti", "budi", "Rina", "Anak", "ti") for r in dash.search(scope, text, 500)]
        assert shown and set(shown) <= mine, who
        assert {r.posyandu_id for r in dash.posyandu_months(scope, months)} == mine, who
        # and what is inside answers: the same calls are not empty by accident
        inside_child = next(c for c, p in every_child if p in mine)
        assert dash.child(scope, inside_child) is not None, who
        assert dash.export_month(scope, min(mine), NOV) is not None, who


def test_an_empty_scope_reads_nothing_and_a_read_without_a_scope_is_refused(area, dash):
    empty = Scope(1, "kader", ())
    child_id = area.children["Bayu"]
    assert dash.today(empty, ON) == [] and dash.not_weighed(empty, NOV) == [] and dash.search(empty, "Bayu") == []
    assert dash.posyandu_months(empty, [NOV]) == [] and dash.child(empty, child_id) is None
    assert dash.export_month(empty, area.posyandu["A1"], NOV) is None
    assert dash.recap_month(empty, area.posyandu["A1"], NOV) is None
    for bare in (None, (area.posyandu["A1"],), [area.posyandu["A1"]]):
        with pytest.raises(TypeError):
            dash.child(bare, child_id)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            dash.today(bare, ON)  # type: ignore[arg-type]


def test_hari_ini_most_urgent_first_then_the_longest_waiting(area, dash):
    scope = dash.scope(area.staff["bidan A1"])  # A1 and A2; A1's children are all routine

    rows = dash.today(scope, ON)

    assert [(r.name, r.tier, r.measured_on) for r in rows] == [
        ("Tono", "now", ON - timedelta(days=10)),
        ("Tomi", "today", ON - timedelta(days=30)),
        ("Tina", "today", ON - timedelta(days=20)),  # the value waiting for a re-measure is not its state
        ("Tari", "today", ON - timedelta(days=5)),
        ("Tuti", "soon", ON - timedelta(days=90)),  # the window's first day; Teguh's, a day older, is out
        ("Tia", "soon", ON - timedelta(days=19)),
        ("Titi", "soon", ON - timedelta(days=10)),  # as of ON: the later routine visit is not yet
    ]
    tono, tomi, tina, tari, _, tia, titi = rows
    assert tono.findings == ("danger_sign", "severely_wasted") and titi.findings == ("two_t",)
    assert (tono.posyandu_id, tono.posyandu, tono.sex) == (area.posyandu["A2"], "Melati A2", "M")
    assert (tono.weight_kg, tono.lenhei_cm, tono.measure) == (7.5, 78.0, "l")
    assert (tono.guardian_wa_id, tono.guardian_unreachable, tono.followup) == ("6281111000001", False, "unanswered")
    assert (tomi.guardian_wa_id, tomi.guardian_unreachable, tomi.followup) == ("6281111000002", True, "done")
    assert tari.guardian_wa_id is None and tia.guardian_wa_id is None and tina.followup is None
    assert [r.name for r in dash.today(scope, ON, limit=2)] == ["Tono", "Tomi"]
    assert dash.today(dash.scope(area.staff["kader A1"]), ON) == []
    # ten days later Tuti's measurement has left the window, and Titi's routine visit counts
    assert [r.name for r in dash.today(scope, ON + timedelta(days=10))] == ["Tono", "Tomi", "Tina", "Tari", "Tia"]


def test_skdn_of_a_month_counted_by_hand(area, dash):
    scope = dash.scope(area.staff["kader A1"])

    [month] = dash.posyandu_months(scope, [date(2026, 11, 17)])

    assert (month.posyandu_id, month.posyandu, month.village, month.month) == \
        (area.posyandu["A1"], "Mawar A1", "Desa Satu", NOV)
    # S: all but Citra (70 months); K: all of S but Dodi; D: Ani, Bayu, Eka, Fajar, Gita, Indah, Kiki
    assert (month.s, month.k, month.d, month.n) == (10, 9, 7, 3)  # N: Ani (her last), Gita, Indah
    assert (month.t, month.o, month.b, month.two_t, month.bgm) == (1, 1, 1, 1, 1)  # Fajar; Bayu; Eka; Fajar; Bayu
    # flagged values are left out: Gita's length and weight, Kiki's weight-for-length and weight
    assert (month.len_measured, month.stunted) == (6, 1)  # Ani Bayu Eka Fajar Indah Kiki; Bayu
    assert (month.wfl_measured, month.wasted) == (6, 2)  # Ani Bayu Eka Fajar Gita Indah; Fajar, Indah (oedema)
    assert (month.wfa_measured, month.underweight) == (4, 2)  # Ani Bayu Eka Fajar; Bayu, Fajar
    assert (month.d_s, month.n_d, month.k_s, month.stunting, month.wasting, month.underweight_pct) == \
        (70.0, 42.9, 90.0, 16.7, 33.3, 50.0)

    recap = dash.recap_month(scope, area.posyandu["A1"], NOV)
    assert recap is not None and recap.bands[-1].band is None
    assert MonthCounts(**{f.name: getattr(month, f.name) for f in fields(MonthCounts)}) == recap.total
    assert sum(b.s for b in recap.bands[:-1]) == recap.bands[-1].s == 10


def test_the_sql_counts_equal_the_recaps_on_varied_data(area, dash):
    """posyandu_months (SQL, one statement) against shared.domain.recap with month_counts, posyandu by posyandu."""
    scope = dash.scope(area.staff["admin None"])
    months = [AUG, SEP, OCT, NOV]

    counted = dash.posyandu_months(scope, months)

    assert len(counted) == len(area.posyandu) * len(months)
    assert [(r.posyandu, r.month) for r in counted] == sorted((r.posyandu, r.month) for r in counted)
    busy = 0
    for row in counted:
        recap = dash.recap_month(scope, row.posyandu_id, row.month)
        assert recap is not None
        assert MonthCounts(**{f.name: getattr(row, f.name) for f in fields(MonthCounts)}) == recap.total, \
            (row.posyandu, row.month)
        busy += row.d > 5 and row.len_measured > 0 and row.two_t > 0
    assert busy >= 12  # the random months are not empty


def test_not_weighed_this_month_lists_s_minus_d_with_the_last_weighing(area, dash):
    scope = dash.scope(area.staff["kader A1"])

    rows = dash.not_weighed(scope, date(2026, 11, 25))

    assert [(r.name, r.last_weighed_on) for r in rows] == [
        ("Dodi", None), ("Hadi", date(2026, 9, 9)), ("Joko", date(2026, 10, 1))]
    assert {r.posyandu for r in rows} == {"Mawar A1"}
    october = {r.name for r in dash.not_weighed(scope, OCT)}
    assert {"Ani", "Bayu", "Dodi", "Hadi"} <= october and not {"Fajar", "Gita", "Indah", "Joko"} & october


def test_a_name_search_takes_percent_and_underscore_literally(area, dash):
    scope = dash.scope(area.staff["puskesmas A1"])

    def names(text):
        return {r.name for r in dash.search(scope, text)}

    assert names("100%") == {"Siti 100%"}
    assert names("i_s") == {"Budi_Santoso"}
    assert names("  BUDI  ") == {"Budi_Santoso", "Budi Santoso", "budiXsantoso"}
    assert names("\\s") == {"Back\\slash"}
    assert names("b") == set() and names("   ") == set() and names("x" * 101) == set()
    assert names("%") == set() and names("0%") == {"Siti 100%"} and names("__") == set()
    assert [r.name for r in dash.search(scope, "siti", limit=1)] in (["Siti 100%"], ["Siti 1000"])
    [siti] = [r for r in dash.search(scope, "Siti 100%")]
    assert (siti.posyandu_id, siti.posyandu, siti.birth_date, siti.last_weighed_on) == \
        (area.posyandu["A3"], "Anggrek A3", date(2024, 1, 1), None)


def test_a_childs_page_has_its_measurements_the_familys_number_and_messages(area, dash):
    scope = dash.scope(area.staff["bidan A1"])
    bayu = area.children["Bayu"]
    guardian = area.one("SELECT guardian_id FROM children WHERE id = %s", (bayu,))
    area.db.run("INSERT INTO outbound_messages (wamid, guardian_id, kind, sent_at, status, status_at) VALUES "
                "('wamid.bayu1', %s, 'result', now() - interval '10 days', 'read', now() - interval '9 days'), "
                "('wamid.bayu2', %s, 'reminder', now() - interval '100 days', 'delivered', NULL), "
                "('wamid.other', %s, 'result', now() - interval '1 day', 'sent', NULL)",
                (guardian, guardian, area.one("SELECT id FROM guardians WHERE wa_id = '6281111000001'")))
    area.db.run("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, sent_at, answer, "
                "answered_at, basis_on, cancel_reason, cancelled_at) VALUES "
                "(%s, %s, 'measurement', '2026-12-05', now(), NULL, NULL, NULL, '2026-11-05', NULL, NULL), "
                "(%s, %s, 'recheck', '2026-11-19', now(), now(), 'later', now(), '2026-11-05', NULL, NULL)",
                (bayu, guardian, bayu, guardian))

    view = dash.child(scope, bayu)

    assert view is not None
    assert (view.child.name, view.child.sex, view.child.birth_date, view.posyandu, view.village) == \
        ("Bayu", "M", date(2025, 1, 20), "Mawar A1", "Desa Satu")
    assert view.guardian_wa_id == "6281111000004"
    assert [m.measured_on for m in view.measurements] == [date(2026, 11, 5), date(2026, 6, 1)]  # newest first
    latest = view.measurements[0]
    assert (latest.weight_kg, latest.lenhei_cm, latest.measure, latest.headc_cm, latest.armc_cm, latest.oedema) == \
        (8.2, 79.5, "l", 46.5, 12.5, False)
    assert latest.assessment["length_for_age"]["category"] == "stunted" and latest.assessment["bgm"] is True
    assert [(m.kind, m.status) for m in view.messages] == [("result", "read")]  # the family's, last 90 days
    assert view.messages[0].status_at is not None
    assert [(r.kind, r.due_on, r.answer) for r in view.reminders] == [
        ("measurement", date(2026, 12, 5), None), ("recheck", date(2026, 11, 19), "later")]
    # a child without a consenting family: no number, no messages
    dodi = dash.child(scope, area.children["Dodi"])
    assert dodi is not None and dodi.guardian_wa_id is None and dodi.messages == [] and dodi.measurements == []
    assert dash.child(scope, 10 ** 9) is None


def test_the_export_is_a_months_trusted_measurements_in_eppgbm_columns(area, dash):
    scope = dash.scope(area.staff["puskesmas A1"])

    rows = dash.export_month(scope, area.posyandu["A1"], date(2026, 11, 30))

    assert rows is not None and all(list(r) == list(EPPGBM_HEADERS) for r in rows)
    # Kiki's value waiting for a re-measure is not exported; Gita's confirmed one is; Hadi was measured, not weighed
    assert [(r["Nama Anak"], r["Tanggal Pengukuran"]) for r in rows] == [
        ("Ani", "02/11/2026"), ("Ani", "20/11/2026"), ("Bayu", "05/11/2026"), ("Citra", "05/11/2026"),
        ("Eka", "12/11/2026"), ("Fajar", "15/11/2026"), ("Gita", "08/11/2026"), ("Hadi", "09/11/2026"),
        ("Indah", "10/11/2026")]
    bayu = rows[2]
    assert list(bayu.values()) == ["Bayu", "", "L", "20/01/2025", "", "Mawar A1", "Desa Satu", "05/11/2026", "8,2",
                                   "79,5", "terlentang", "46,5", "12,5", "Berat badan sangat kurang", "Pendek",
                                   "Gizi baik"]
    assert (rows[5]["Tanggal Lahir"], rows[7]["Berat Badan (kg)"], rows[7]["Cara Ukur"]) == ("", "", "berdiri")
    assert rows[8]["BB/TB"] == "" and rows[8]["BB/U"] == ""  # oedema: not assessed
    assert dash.export_month(scope, area.posyandu["A3"], NOV) == []  # in scope, nothing measured that month


def test_views_and_exports_are_audited_with_ids_only(area, dash):
    staff = area.staff["bidan A1"]
    dash.audit_view(staff.id, "child.view", "child", area.children["Bayu"])
    dash.audit_view(staff.id, "export.eppgbm", "posyandu", area.posyandu["A1"], {"month": "2026-11"})

    rows = area.db.run("SELECT actor, action, entity, entity_id, detail FROM audit_log WHERE actor = %s ORDER BY id",
                       (f"staff:{staff.id}",))

    assert rows == [[f"staff:{staff.id}", "child.view", "child", area.children["Bayu"], {}],
                    [f"staff:{staff.id}", "export.eppgbm", "posyandu", area.posyandu["A1"], {"month": "2026-11"}]]
