"""An admin manages the staff of their area (PgStaffAccess on real PostgreSQL): adding, a number registered once,
nothing outside the admin's scope, deactivation ending every session at once, no change to oneself, and each change
in the audit log with the admin as actor.

Two kabupaten: Cianjur (Melati, Mawar) is the regional admin's; Garut (Anggrek) is not. A whole-deployment admin
(no home posyandu) sees both."""
from datetime import datetime, timedelta, timezone

import pytest

from shared.adapters.postgres import PgDashboard, PgStaffAccess
from shared.domain.model import Staff
from shared.ports import Scope

pytestmark = pytest.mark.integration

NOW = datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc)
ADMIN, WHOLE, KADER, GARUT_KADER, NEW = ("6281300000101", "6281300000102", "6281300000103", "6281300000104",
                                         "6281300000105")


class Area:
    def __init__(self, db):
        self.db = db
        self.access = PgStaffAccess(db)
        self.reads = PgDashboard(db)
        self.posyandu = {name: db.run("INSERT INTO posyandu (name, village, district, regency) VALUES "
                                      "(%s, %s, 'Cibeber', %s) RETURNING id", (name, village, regency))[0][0]
                         for name, village, regency in (("Melati", "Sukamaju", "Cianjur"),
                                                        ("Mawar", "Sukasari", "Cianjur"),
                                                        ("Anggrek", "Sukamaju", "Garut"))}
        self.admin = self.add(ADMIN, "Bu Admin", "admin", "Melati")
        self.whole = self.add(WHOLE, "Pak Pusat", "admin", None)
        self.kader = self.add(KADER, "Siti", "kader", "Melati")
        self.garut_kader = self.add(GARUT_KADER, "Rina", "kader", "Anggrek")

    def add(self, wa_id: str, name: str, role: str, posyandu: str | None) -> int:
        return self.db.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) RETURNING id",
                           (wa_id, name, role, self.posyandu.get(posyandu)))[0][0]

    def scope(self, staff_id: int) -> Scope:
        row = self.db.run("SELECT id, wa_id, name, role, posyandu_id, language FROM staff WHERE id = %s",
                          (staff_id,))[0]
        return self.reads.scope(Staff(*row))

    def row(self, staff_id: int) -> tuple:
        return tuple(self.db.run("SELECT role, posyandu_id, active FROM staff WHERE id = %s", (staff_id,))[0])

    def audit(self, staff_id: int) -> list[tuple]:
        """The staff entries of one person after the fixture's own: (actor, action, detail)."""
        return [tuple(r) for r in self.db.run(
            "SELECT actor, action, detail FROM audit_log WHERE entity = 'staff' AND entity_id = %s "
            "AND id > %s ORDER BY id", (staff_id, self.mark))]

    def set_mark(self) -> None:
        self.mark = self.db.run("SELECT coalesce(max(id), 0) FROM audit_log")[0][0]

    def staff_count(self) -> int:
        return self.db.run("SELECT count(*) FROM staff")[0][0]


@pytest.fixture
def area(migrated) -> Area:
    a = Area(migrated)
    a.set_mark()
    return a


def test_an_admin_adds_a_kader_of_their_area_audited_as_themselves(area):
    outcome = area.access.add_staff(area.scope(area.admin), NEW, "  Dewi   Lestari ", "kader",
                                    area.posyandu["Mawar"])

    added = area.access.active_staff(NEW)
    assert outcome == "added"
    assert added is not None and (added.name, added.role, added.posyandu_id) == (
        "Dewi Lestari", "kader", area.posyandu["Mawar"])
    assert area.audit(added.id) == [(f"staff:{area.admin}", "staff.insert",
                                     {"role": "kader", "posyandu_id": area.posyandu["Mawar"]})]


def test_the_actor_is_the_admins_for_their_transaction_only(area):
    """set_config(..., true) lasts for the admin's transaction: a later change by anyone else is not theirs."""
    area.access.add_staff(area.scope(area.admin), NEW, "Dewi", "kader", area.posyandu["Mawar"])

    area.db.run("UPDATE staff SET name = 'Siti Aminah' WHERE id = %s", (area.kader,))

    [(actor, action, _detail)] = area.audit(area.kader)
    assert action == "staff.update" and actor.startswith("db:")


def test_a_number_already_staff_anywhere_is_refused_kindly(area):
    """Another kabupaten's kader, or one of the admin's own, inactive or not: the number is staff already."""
    area.db.run("UPDATE staff SET active = false WHERE id = %s", (area.kader,))
    area.set_mark()
    scope = area.scope(area.admin)
    before = area.staff_count()

    outcomes = [area.access.add_staff(scope, GARUT_KADER, "Rina lagi", "kader", area.posyandu["Melati"]),
                area.access.add_staff(scope, KADER, "Siti lagi", "bidan", area.posyandu["Mawar"])]

    assert outcomes == ["already_staff", "already_staff"]
    assert area.staff_count() == before
    assert area.row(area.garut_kader) == ("kader", area.posyandu["Anggrek"], True)
    assert area.audit(area.garut_kader) == [] and area.audit(area.kader) == []


def test_bad_numbers_names_and_roles_are_refused_before_anything_is_written(area):
    scope = area.scope(area.admin)
    before = area.staff_count()

    outcomes = [area.access.add_staff(scope, "0812-3456", "Dewi", "kader", area.posyandu["Melati"]),
                area.access.add_staff(scope, NEW, "   ", "kader", area.posyandu["Melati"]),
                area.access.add_staff(scope, NEW, "x" * 101, "kader", area.posyandu["Melati"]),
                area.access.add_staff(scope, NEW, "Dewi\x00", "kader", area.posyandu["Melati"]),
                area.access.add_staff(scope, NEW, "Dewi", "superuser", area.posyandu["Melati"]),
                area.access.change_staff(scope, area.kader, "root", area.posyandu["Melati"])]

    assert outcomes == ["bad_number", "bad_name", "bad_name", "bad_name", "bad_role", "bad_role"]
    assert area.staff_count() == before and area.row(area.kader) == ("kader", area.posyandu["Melati"], True)


def test_nothing_outside_the_admins_scope_is_added_or_changed(area):
    """A posyandu of another kabupaten, a person of another kabupaten, an id nobody has: refused, nothing changed."""
    scope = area.scope(area.admin)
    before = area.staff_count()

    outcomes = [
        area.access.add_staff(scope, NEW, "Dewi", "kader", area.posyandu["Anggrek"]),
        area.access.change_staff(scope, area.kader, "kader", area.posyandu["Anggrek"]),  # new home outside
        area.access.change_staff(scope, area.garut_kader, "kader", area.posyandu["Melati"]),  # old home outside
        area.access.set_active(scope, area.garut_kader, False, NOW),
        area.access.set_active(scope, area.whole, False, NOW),  # the whole deployment's admin is not theirs
        area.access.change_staff(scope, 10 ** 9, "kader", area.posyandu["Melati"]),
        area.access.set_active(scope, 2 ** 70, False, NOW),
    ]

    assert outcomes == ["out_of_scope"] * 7
    assert area.staff_count() == before
    assert area.row(area.kader) == ("kader", area.posyandu["Melati"], True)
    assert area.row(area.garut_kader) == ("kader", area.posyandu["Anggrek"], True)
    assert area.row(area.whole) == ("admin", None, True)
    assert [area.audit(i) for i in (area.kader, area.garut_kader, area.whole)] == [[], [], []]


def test_only_a_whole_deployment_admin_leaves_the_home_posyandu_empty_and_chooses_any(area):
    regional, whole = area.scope(area.admin), area.scope(area.whole)

    outcomes = [area.access.add_staff(regional, NEW, "Dewi", "admin", None),
                area.access.add_staff(regional, NEW, "Dewi", "kader", None),
                area.access.change_staff(regional, area.kader, "admin", None),
                area.access.add_staff(whole, NEW, "Dewi", "kader", None),
                area.access.add_staff(whole, NEW, "Dewi", "admin", None),
                area.access.change_staff(whole, area.garut_kader, "bidan", area.posyandu["Melati"])]

    assert outcomes == ["posyandu_needed"] * 4 + ["added", "changed"]
    assert area.row(area.access.active_staff(NEW).id) == ("admin", None, True)
    assert area.row(area.garut_kader) == ("bidan", area.posyandu["Melati"], True)
    assert area.audit(area.garut_kader)[0][0] == f"staff:{area.whole}"


def test_an_admin_re_scopes_a_kader_within_their_area(area):
    scope = area.scope(area.admin)

    changed = area.access.change_staff(scope, area.kader, "bidan", area.posyandu["Mawar"])
    again = area.access.change_staff(scope, area.kader, "bidan", area.posyandu["Mawar"])

    assert (changed, again) == ("changed", "unchanged")
    assert area.row(area.kader) == ("bidan", area.posyandu["Mawar"], True)
    assert area.audit(area.kader) == [(f"staff:{area.admin}", "staff.update",
                                       {"fields": ["role", "posyandu_id"], "role": "bidan"})]


def test_deactivating_ends_every_session_at_once_and_is_audited_as_the_admin(area):
    sessions = [area.access.open_session(area.kader, f"session-{i}-" + "x" * 40, NOW + timedelta(hours=12))
                for i in range(2)]
    assert all(area.access.session_staff(s.id, NOW) is not None for s in sessions)
    area.set_mark()

    outcome = area.access.set_active(area.scope(area.admin), area.kader, False, NOW)

    assert outcome == "deactivated"
    assert [area.access.session_staff(s.id, NOW) for s in sessions] == [None, None]
    assert area.db.run("SELECT count(*) FROM staff_sessions WHERE staff_id = %s AND revoked_at = %s",
                       (area.kader, NOW))[0][0] == 2
    assert area.access.active_staff(KADER) is None
    assert area.audit(area.kader) == [
        (f"staff:{area.admin}", "staff.update", {"fields": ["active"], "role": "kader"}),
        (f"staff:{area.admin}", "staff.sessions_revoke", {"sessions": 2})]


def test_a_deactivated_kader_is_reactivated_and_may_sign_in_again(area):
    scope = area.scope(area.admin)
    area.access.set_active(scope, area.kader, False, NOW)

    outcomes = [area.access.set_active(scope, area.kader, True, NOW),
                area.access.set_active(scope, area.kader, True, NOW)]

    assert outcomes == ["reactivated", "unchanged"]
    assert area.access.active_staff(KADER) is not None
    assert [a[0] for a in area.audit(area.kader)] == [f"staff:{area.admin}"] * 2


def test_an_admin_cannot_deactivate_or_demote_themselves(area):
    scope = area.scope(area.admin)

    outcomes = [area.access.set_active(scope, area.admin, False, NOW),
                area.access.change_staff(scope, area.admin, "kader", area.posyandu["Melati"]),
                area.access.change_staff(scope, area.admin, "admin", area.posyandu["Mawar"])]

    assert outcomes == ["self", "self", "self"]
    assert area.row(area.admin) == ("admin", area.posyandu["Melati"], True)
    assert area.audit(area.admin) == []


def test_a_deactivated_or_demoted_admin_changes_nothing_more(area):
    """Two admins of one area cannot remove each other: the second change finds its author no longer an admin."""
    second = area.add("6281300000106", "Bu Kedua", "admin", "Mawar")
    first_scope, second_scope = area.scope(area.admin), area.scope(second)

    first = area.access.set_active(first_scope, second, False, NOW)
    answer = area.access.set_active(second_scope, area.admin, False, NOW)
    kader_scope = area.scope(area.kader)

    assert (first, answer) == ("deactivated", "out_of_scope")
    assert area.row(area.admin) == ("admin", area.posyandu["Melati"], True)
    assert area.access.add_staff(kader_scope, NEW, "Dewi", "kader", area.posyandu["Melati"]) == "out_of_scope"
    assert area.access.staff_list(kader_scope) == [] and area.access.staff_list(second_scope) == []


def test_the_list_holds_the_admins_area_and_the_whole_deployment_admin_sees_everyone(area):
    area.db.run("UPDATE staff SET active = false WHERE id = %s", (area.kader,))

    regional = area.access.staff_list(area.scope(area.admin))
    whole = area.access.staff_list(area.scope(area.whole))
    one = area.access.staff_list(area.scope(area.admin), area.kader)

    assert [(s.id, active) for s, active in regional] == [(area.admin, True), (area.kader, False)]
    assert {s.id for s, _ in whole} == {area.admin, area.whole, area.kader, area.garut_kader}
    assert [(s.name, active) for s, active in one] == [("Siti", False)]
    assert area.access.staff_list(area.scope(area.admin), area.garut_kader) == []
    assert area.access.posyandu_choices(area.scope(area.admin)) == [
        (area.posyandu["Mawar"], "Mawar (Sukasari)"), (area.posyandu["Melati"], "Melati (Sukamaju)")]
