"""The Posyandu page's stored months (posyandu_month_counts, migration 0013) on real PostgreSQL: what
posyandu_months answers with stored rows equals counting everything live, before and after each change that marks
rows stale (and before the refresh stores them again); the refresh stores the current month and the 13 before it,
at most `limit` a call, and nothing more once all are fresh; a scope never returns another area's stored rows."""
import random
from datetime import date, timedelta

import pytest

from shared.adapters.postgres import PgDashboard, PostgresRecords, migrate, url_connector
from shared.ports import Scope
from tests.conftest import new_database
from tests.integration.test_dashboard_reads import Area, scored

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 20)
CURRENT = date(2026, 11, 1)


def month(n: int) -> date:
    """The first day of the month n months before November 2026."""
    index = 2026 * 12 + 10 - n
    return date(index // 12, index % 12 + 1, 1)


SHOWN = [month(n) for n in range(0, 14)]  # those and the current month
KEYS = ("P1", "P2", "P3", "P4")


def seed(area: Area) -> None:
    """Four posyandu, children of all ages (one in five known by an age only) weighed at random over 15 months."""
    rnd = random.Random(1613)
    for key in KEYS:
        area.add_posyandu(key, f"Posyandu {key}", f"Desa {key}", "Kec", "Kab", "PKM")
    for key in KEYS:
        for i in range(20):
            born = None if rnd.random() < 0.2 else date(2021, 6, 1) + timedelta(days=rnd.randint(0, 1900))
            child = area.child(key, f"Anak {key}-{i}", born)
            for n in range(15, -1, -1):
                for _ in range(rnd.choice((0, 1, 1, 1, 2))):
                    on = month(n).replace(day=rnd.randint(1, 28))
                    area.measure(child, on, scored(
                        rnd.randint(0, 62), code=rnd.choice(("N", "T", "O", "B", None)), two_t=rnd.random() < 0.2,
                        bgm=rnd.random() < 0.2, oedema=rnd.random() < 0.05,
                        lfa=rnd.choice(("normal", "stunted", "severely_stunted", None)),
                        wfl=rnd.choice(("normal", "wasted", "severely_wasted", None)),
                        wfa=rnd.choice(("normal", "underweight", None)),
                        flag=tuple(k for k in ("lfa", "wfl", "wfa") if rnd.random() < 0.1),
                        age_days=rnd.uniform(0, 1800) if born is None else None),
                        weight=rnd.uniform(3, 20) if rnd.random() < 0.9 else None)


@pytest.fixture
def area(server_database_url):
    """A database of its own for each test (the tests write)."""
    with new_database(server_database_url) as url:
        db = PostgresRecords(url_connector(url))
        migrate(db)
        a = Area(db)
        seed(a)
        yield a
        db.discard()


@pytest.fixture
def dash(area) -> PgDashboard:
    return PgDashboard(area.db)


def everyone(area: Area) -> Scope:
    return Scope(1, "admin", tuple(sorted(area.posyandu.values())))


def live(area: Area, scope: Scope) -> list:
    """posyandu_months with nothing stored: every month counted by the one statement (the table is emptied in a
    transaction that is rolled back, so the stored rows are back afterwards)."""
    conn = area.db.connection()
    conn.execute_simple("BEGIN")
    try:
        conn.execute_simple("DELETE FROM posyandu_month_counts")
        return PgDashboard(area.db).posyandu_months(scope, SHOWN)
    finally:
        conn.execute_simple("ROLLBACK")


def stored(area: Area) -> dict:
    return {(r[0], r[1]): r[2] for r in area.db.run("SELECT posyandu_id, month, stale FROM posyandu_month_counts")}


def fill(dash: PgDashboard) -> None:
    assert dash.refresh_month_counts(TODAY, 10_000) > 0
    assert dash.refresh_month_counts(TODAY, 10_000) == 0


def stale_months(area: Area, key: str) -> list[date]:
    return sorted(m for (p, m), stale in stored(area).items() if p == area.posyandu[key] and stale)


def test_stored_months_answer_what_counting_live_answers(area, dash):
    scope = everyone(area)
    before = live(area, scope)

    fill(dash)

    assert set(stored(area)) == {(p, m) for p in area.posyandu.values() for m in SHOWN}  # the current month too
    assert not any(stored(area).values())
    assert dash.posyandu_months(scope, SHOWN) == before == live(area, scope)
    assert sum(r.d for r in before) > 500 and sum(r.stunted for r in before) > 20  # the months are not empty
    # a few months, in any order, and a single one
    assert dash.posyandu_months(scope, [month(3), month(1), month(20)]) == \
        [r for r in PgDashboard(area.db).posyandu_months(scope, [month(1), month(3), month(20)])]
    assert [r.month for r in dash.posyandu_months(scope, [month(2)])] == [month(2)] * len(KEYS)


def test_the_refresh_is_bounded_latest_months_first_and_idempotent(area, dash):
    assert dash.refresh_month_counts(TODAY, 5) == 5
    assert sorted(stored(area)) == sorted([(area.posyandu[k], month(0)) for k in KEYS] + [(area.posyandu["P1"], month(1))])
    assert dash.refresh_month_counts(TODAY, 0) == 0 and len(stored(area)) == 5
    total = 5
    while (n := dash.refresh_month_counts(TODAY, 7)) > 0:
        assert n <= 7
        total += n
    assert total == len(KEYS) * 14  # the current month and the 13 before it
    computed = area.db.run("SELECT max(computed_at) FROM posyandu_month_counts")[0][0]
    assert dash.refresh_month_counts(TODAY, 100) == 0
    assert area.db.run("SELECT max(computed_at) FROM posyandu_month_counts")[0][0] == computed  # nothing rewritten


def changed(area: Area, dash: PgDashboard, key: str, since: date | None, change) -> None:
    """After `change`, the posyandu's stored months from `since` on (all when None) are stale and no other; the page
    answers what counting live answers before the refresh (so never a stale number), and after it."""
    scope = everyone(area)
    fill(dash)
    change()
    expected = [m for m in SHOWN if since is None or m >= since]
    assert stale_months(area, key) == sorted(expected)
    assert all(not stale_months(area, k) for k in KEYS if k != key)
    now = live(area, scope)
    assert dash.posyandu_months(scope, SHOWN) == now
    assert dash.refresh_month_counts(TODAY, 1000) == len(expected)
    assert dash.posyandu_months(scope, SHOWN) == now == live(area, scope)


def a_child(area: Area, key: str, known_birth: bool = True) -> int:
    return area.one("SELECT id FROM children WHERE posyandu_id = %s AND (birth_date IS NOT NULL) = %s "
                    "AND EXISTS (SELECT 1 FROM measurements m WHERE m.child_id = children.id) ORDER BY id LIMIT 1",
                    (area.posyandu[key], known_birth))


def test_a_measurement_added_in_a_past_month_marks_that_month_on(area, dash):
    child = a_child(area, "P2")
    changed(area, dash, "P2", month(6), lambda: area.measure(child, month(6).replace(day=27), scored(
        12, code="T", lfa="stunted"), weight=7.5))


def test_a_corrected_weight_marks_its_month_on(area, dash):
    child = a_child(area, "P3")
    row, on = area.db.run("SELECT id, measured_on FROM measurements WHERE child_id = %s AND measured_on >= %s "
                          "ORDER BY measured_on LIMIT 1", (child, month(9)))[0]
    first = on.replace(day=1)
    changed(area, dash, "P3", first, lambda: area.db.run(
        "UPDATE measurements SET weight_kg = NULL, lenhei_cm = 80 WHERE id = %s", (row,)))


def test_a_review_to_remeasure_marks_its_month_on(area, dash):
    child = a_child(area, "P1")
    row, on = area.db.run("SELECT id, measured_on FROM measurements WHERE child_id = %s AND measured_on >= %s "
                          "ORDER BY measured_on LIMIT 1", (child, month(4)))[0]
    changed(area, dash, "P1", on.replace(day=1), lambda: area.db.run(
        "UPDATE measurements SET review = 'remeasure' WHERE id = %s", (row,)))


def test_a_write_that_changes_nothing_counted_marks_nothing(area, dash):
    fill(dash)
    area.db.run("UPDATE measurements SET sheet_synced_at = now()")
    area.db.run("UPDATE measurements SET review = review, weight_kg = weight_kg")
    area.db.run("UPDATE children SET name = name || '.', sheet_synced_at = now()")
    assert not any(stored(area).values())


def test_a_corrected_birth_date_marks_from_the_earlier_date(area, dash):
    child = a_child(area, "P4")
    born, seen = area.db.run("SELECT c.birth_date, (SELECT min(measured_on) FROM measurements WHERE child_id = c.id) "
                             "FROM children c WHERE c.id = %s", (child,))[0]
    new_born = min(born, seen) - timedelta(days=200)
    changed(area, dash, "P4", new_born.replace(day=1), lambda: area.db.run(
        "UPDATE children SET birth_date = %s WHERE id = %s", (new_born, child)))


def test_a_child_known_by_age_marks_every_month(area, dash):
    child = a_child(area, "P2", known_birth=False)
    changed(area, dash, "P2", None, lambda: area.measure(child, month(2).replace(day=3), scored(20, age_days=610)))


def test_a_child_moved_to_another_posyandu_marks_both(area, dash):
    scope = everyone(area)
    fill(dash)
    child = a_child(area, "P1")
    born, seen = area.db.run("SELECT c.birth_date, (SELECT min(measured_on) FROM measurements WHERE child_id = c.id) "
                             "FROM children c WHERE c.id = %s", (child,))[0]
    since = min(born, seen).replace(day=1)
    area.db.run("UPDATE children SET posyandu_id = %s WHERE id = %s", (area.posyandu["P3"], child))
    expected = sorted(m for m in SHOWN if m >= since)
    assert expected and stale_months(area, "P1") == expected == stale_months(area, "P3")
    assert not stale_months(area, "P2") and not stale_months(area, "P4")
    now = live(area, scope)
    assert dash.posyandu_months(scope, SHOWN) == now
    assert dash.refresh_month_counts(TODAY, 1000) == 2 * len(expected)
    assert dash.posyandu_months(scope, SHOWN) == now


def test_a_child_deleted_marks_its_months(area, dash):
    child = a_child(area, "P4")
    born = area.one("SELECT birth_date FROM children WHERE id = %s", (child,))
    # HAPUS: the child goes, its measurements with it (ON DELETE CASCADE)
    changed(area, dash, "P4", born.replace(day=1),
            lambda: area.db.run("DELETE FROM children WHERE id = %s", (child,)))


def test_a_scope_never_returns_stored_rows_of_another_area(area, dash):
    fill(dash)
    mine = Scope(2, "kader", (area.posyandu["P2"],))
    rows = dash.posyandu_months(mine, SHOWN)
    assert {r.posyandu_id for r in rows} == {area.posyandu["P2"]} and len(rows) == len(SHOWN)
    assert rows == [r for r in live(area, everyone(area)) if r.posyandu_id == area.posyandu["P2"]]
    assert dash.posyandu_months(Scope(3, "kader", ()), SHOWN) == []
    assert dash.posyandu_months(Scope(4, "kader", (999_999,)), SHOWN) == []
