"""Database least privilege on the real PostgreSQL: the functions' role cannot alter the schema, audit_log is
append-only for it (and, within its retention, for the owner too), and the migrator lets users in only when
they could not alter the schema. The dashboard's user, let in through the dashboard role alone, reads everything
and writes only sign-ins, audit entries and staff. Tests run as the cluster's superuser and act as a role or a
user by SET ROLE.
"""
import dataclasses
import re
import uuid
from datetime import datetime, timedelta, timezone

import pg8000.dbapi
import pytest

from scripts import migrate as migrator
from shared.adapters.postgres import (DASHBOARD_ROLE, MIGRATIONS_DIR, RUNTIME_ROLE, PgDashboard, PgStaffAccess,
                                      PostgresRecords, grant_dashboard, grant_runtime, migrate, pending_migrations,
                                      purge_audit_log, url_connector)
from shared.adapters.redis_store import RedisConversations
from shared.bootstrap import build_app
from shared.errors import ConfigError, TransientError
from shared.services import retention
from shared.ports import Ports
from tests.integration.conftest import Chat, RecordingMessenger
from tests.integration.test_dashboard_reads import NOV, OCT, ON, Area, scored, seed_areas, seed_month_of_a1, \
    seed_today_of_a2

pytestmark = pytest.mark.integration

ANSWERS = {"ask_measured_on": "date:today", "ask_oedema": "no"}  # reply to a prompt; "skip" to the others
REFUSED = "42501"  # insufficient_privilege: what a permission check and the audit trigger both raise


def _connector_as(url, role: str):
    """Connections that act as `role` (a role, or a user and the roles it is a member of) for the whole session,
    as a function's own user would."""
    connect = url_connector(url)

    def acting():
        conn = connect()
        conn.cursor().execute('SET ROLE "' + role.replace('"', '""') + '"')
        conn.commit()  # a SET inside a transaction lasts for the session once committed
        return conn

    return acting


@pytest.fixture
def owner(migrated) -> PostgresRecords:
    """The migrated database, reached as its owner (the migrator)."""
    return migrated


@pytest.fixture
def runtime(owner, database_url) -> PostgresRecords:
    """The same database as the functions reach it."""
    return PostgresRecords(_connector_as(database_url, RUNTIME_ROLE))


def _sqlstate(db: PostgresRecords, sql: str, params: tuple = ()) -> str:
    """The error code a statement fails with ('' when it succeeds)."""
    try:
        db.run(sql, params)
    except pg8000.dbapi.DatabaseError as exc:
        return exc.args[0]["C"]
    return ""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE children ADD COLUMN nickname text",
    "CREATE TABLE scratch (id int)",
    "DROP TABLE outbox",
    "CREATE INDEX children_name ON children (name)",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ('9999', 'forged', 'x')",
])
def test_the_runtime_role_cannot_alter_the_schema(runtime, sql):
    """Only the migrator changes tables, indexes, triggers or the record of migrations."""
    assert _sqlstate(runtime, sql) == REFUSED


def test_audit_log_is_append_only_for_the_runtime_role(runtime, owner):
    """The runtime role adds and reads audit entries, and can neither rewrite nor remove one, however old."""
    runtime.run("INSERT INTO audit_log (actor, action, entity, entity_id) VALUES ('staff:1', 'child.read', "
                "'child', 7)")
    owner.run("INSERT INTO audit_log (at, actor, action, entity) VALUES (now() - interval '6 years', 'system', "
              "'old', 'x')")

    assert runtime.run("SELECT count(*) FROM audit_log")[0][0] == 2
    assert _sqlstate(runtime, "UPDATE audit_log SET actor = 'someone else'") == REFUSED
    assert _sqlstate(runtime, "DELETE FROM audit_log WHERE action = 'child.read'") == REFUSED
    assert _sqlstate(runtime, "DELETE FROM audit_log WHERE action = 'old'") == REFUSED
    assert _sqlstate(runtime, "TRUNCATE audit_log") == REFUSED
    assert owner.run("SELECT count(*) FROM audit_log")[0][0] == 2


def test_the_trigger_keeps_recent_audit_entries_even_from_the_owner(owner):
    """Within its retention an entry cannot be updated, deleted or truncated by anyone; past it, it can go."""
    owner.run("INSERT INTO audit_log (actor, action, entity) VALUES ('system', 'recent', 'x')")
    owner.run("INSERT INTO audit_log (at, actor, action, entity) VALUES (now() - interval '1826 days', 'system', "
              "'expired', 'x')")

    assert _sqlstate(owner, "UPDATE audit_log SET detail = '{\"forged\": true}'") == REFUSED
    assert _sqlstate(owner, "DELETE FROM audit_log WHERE action = 'recent'") == REFUSED
    assert _sqlstate(owner, "TRUNCATE audit_log") == REFUSED
    assert _sqlstate(owner, "DELETE FROM audit_log WHERE action = 'expired'") == ""
    assert [r[0] for r in owner.run("SELECT action FROM audit_log")] == ["recent"]


def test_a_conversation_and_the_retention_purge_run_as_the_runtime_role(runtime, owner, redis_url):
    """The app's ordinary statements need nothing the role lacks: consent, a measured child, the scheduled
    purge, and HAPUS with its cascades."""
    chat = Chat(Ports(runtime, RedisConversations(redis_url), RecordingMessenger()))
    now = datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc)

    chat.say("Halo")
    chat.say(reply_id="consent:yes")
    chat.say("cewek lahir 3-1-2024 bb 8,0 pb 70")
    result = chat.say("Ani")
    for _ in range(6):  # the optional steps, whatever their order: today, skip, skip, no oedema
        if "result_header" in result:
            break
        result = chat.say(reply_id=ANSWERS.get(result[-1], "skip"))
    stored = owner.run("SELECT (SELECT count(*) FROM children), (SELECT count(*) FROM measurements)")[0]
    purged = runtime.purge_expired(now, retention.periods(), retention.PURGE_BATCH)
    chat.say("HAPUS")
    chat.say(reply_id="delete:yes")

    assert "result_header" in result
    assert list(stored) == [1, 1]
    assert set(purged) == set(retention.periods())
    assert owner.run("SELECT count(*) FROM guardians")[0][0] == 0


def test_the_runtime_role_sees_the_schema_is_current(runtime):
    """Reading the record of migrations is allowed, so a function can check it at cold start."""
    assert pending_migrations(runtime) == []


def test_a_function_that_may_not_migrate_answers_retry_until_the_migrator_ran(settings):
    """Without DB_MIGRATE, a schema behind the code stops the function (503) instead of migrating it."""
    app = build_app(dataclasses.replace(settings, db_migrate=False))

    with pytest.raises(TransientError, match="run the migrator"):
        app.ensure_schema()
    assert app.records.run("SELECT to_regclass('children') IS NULL")[0][0] is True

    migrate(app.records)
    assert app.ensure_schema() == []


@pytest.fixture
def login_role(server_database_url):
    """A throwaway database user (roles belong to the whole cluster: dropped afterwards)."""
    admin = PostgresRecords(url_connector(server_database_url))
    made = []

    def make(attributes: str = "") -> str:
        name = f"t_user_{uuid.uuid4().hex[:8]}@example.iam"  # shaped like a Cloud SQL IAM user name
        admin.run(f'CREATE ROLE "{name}" LOGIN {attributes}')
        made.append(name)
        return name

    yield make
    for name in made:
        admin.run(f'DROP ROLE IF EXISTS "{name}"')
    admin.discard()


def _member(db: PostgresRecords, user: str, role: str = RUNTIME_ROLE) -> bool:
    """Whether the user was granted the role (directly: a superuser passes every role check anyway)."""
    return db.run("SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                  "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s)",
                  (role, user))[0][0]


def test_the_migrator_lets_a_function_user_in_through_the_runtime_role(owner, login_role):
    """A plain database user becomes a member of the runtime role, and with it reads and writes the data."""
    user = login_role()

    grant_runtime(owner, [user])

    assert _member(owner, user)
    assert owner.run("SELECT has_table_privilege(%s, 'children', 'INSERT'), "
                     "has_table_privilege(%s, 'audit_log', 'UPDATE')", (user, user))[0] == [True, False]


@pytest.mark.parametrize("attributes", ["CREATEROLE", "SUPERUSER"])
def test_the_migrator_refuses_a_user_that_could_alter_the_schema(owner, login_role, attributes):
    """A function user that could make itself the owner is refused, and nothing is granted."""
    user = login_role(attributes)

    with pytest.raises(ConfigError, match="could alter the schema"):
        grant_runtime(owner, [user])
    assert not _member(owner, user)


def test_the_migrator_refuses_a_user_that_owns_the_tables(owner, login_role):
    """Ownership is the right to alter: the owner's own user is never a runtime user."""
    user = login_role()
    owner.run(f'ALTER TABLE reminders OWNER TO "{user}"')

    try:
        with pytest.raises(ConfigError, match="owner of the tables"):
            grant_runtime(owner, [user])
    finally:
        owner.run("ALTER TABLE reminders OWNER TO CURRENT_USER")  # or the user could not be dropped
    assert not _member(owner, user)


def test_the_migrator_names_a_user_that_does_not_exist(owner):
    """A typo in the users to grant stops the deploy with the name, not a bare SQL error."""
    with pytest.raises(ConfigError, match="nobody@example.iam does not exist"):
        grant_runtime(owner, ["nobody@example.iam"])


def test_the_migrator_purges_only_audit_entries_past_their_retention(owner):
    """Entries older than the policy's period go, younger ones stay, and the purge itself is audited."""
    keep = migrator.audit_keep_days()
    owner.run("INSERT INTO audit_log (at, actor, action, entity) VALUES (now() - make_interval(days => %s), "
              "'system', 'expired', 'x'), (now() - make_interval(days => %s), 'system', 'kept', 'x')",
              (keep + 1, keep - 1))

    assert purge_audit_log(owner, keep) == 1
    assert purge_audit_log(owner, keep) == 0
    rows = owner.run("SELECT action, detail FROM audit_log ORDER BY id")
    assert rows == [["kept", {}], ["retention.purge", {"audit_log": 1}]]


def test_the_migration_and_the_retention_policy_agree_on_the_audit_period():
    """The trigger's number and the policy's are typed in two languages; they must stay one number."""
    sql = (MIGRATIONS_DIR / "0005_least_privilege.sql").read_text()

    assert set(re.findall(r"interval '(\d+) days'", sql)) == {str(migrator.audit_keep_days())}


def test_the_migrator_script_migrates_and_grants(database_url, login_role, monkeypatch):
    """What the tumbuh-migrate job runs: exit 0, schema current, users granted; a second run changes nothing."""
    user = login_role()
    monkeypatch.setenv("TUMBUH_ENV", "local")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RUNTIME_DB_USERS", f" {user} ,")
    db = PostgresRecords(url_connector(database_url))

    assert migrator.main([]) == 0
    assert pending_migrations(db) == [] and _member(db, user)
    assert migrator.main(["--grant"]) == 0


def test_the_migrator_script_fails_loudly(database_url, monkeypatch):
    """A user that cannot be granted makes the job fail, so deploy.sh stops before the functions."""
    monkeypatch.setenv("TUMBUH_ENV", "local")
    monkeypatch.setenv("DATABASE_URL", database_url)

    assert migrator.main(["--grant", "nobody@example.iam"]) == 1


# The staff dashboard's own role (migration 0014).

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
NEW = "6281399990001"  # a number no seeded staff member has


@pytest.fixture
def dashboard_user(owner, login_role) -> str:
    """A database user let in as the dashboard's is: by the migrator, through the dashboard role."""
    user = login_role()
    grant_dashboard(owner, [user])
    return user


@pytest.fixture
def dashboard(dashboard_user, database_url) -> PostgresRecords:
    """The database as the dashboard reaches it: as its own user."""
    return PostgresRecords(_connector_as(database_url, dashboard_user))


def test_the_dashboard_user_runs_every_read_of_the_dashboard(owner, dashboard):
    """Each page's read, for an admin's district, with months both stored and counted live; posyandu_month_counts
    stays as the scheduler left it, and a child's page is audited."""
    area = Area(owner)
    seed_areas(area)
    seed_month_of_a1(area)
    seed_today_of_a2(area)
    PgDashboard(owner).refresh_month_counts(ON, 1000)  # the scheduler's store, as tumbuh_runtime fills it
    area.measure(area.children["Ani"], ON, scored(3, code="N"))  # A1's November turns stale: counted live
    stored = owner.run("SELECT posyandu_id, month, computed_at, stale FROM posyandu_month_counts ORDER BY 1, 2")
    reads = PgDashboard(dashboard)
    a1, ani = area.posyandu["A1"], area.children["Ani"]

    scope = reads.scope(area.staff["admin A3"])
    today = reads.today(scope, ON)
    not_weighed = reads.not_weighed(scope, NOV)
    months = reads.posyandu_months(scope, [OCT, NOV])
    recap = reads.recap_month(scope, a1, NOV)
    found = reads.search(scope, "ani")
    child = reads.child(scope, ani)
    export = reads.export_month(scope, a1, NOV)
    reads.audit_view(area.staff["admin A3"].id, "child.view", "child", ani)

    assert a1 in scope.posyandu_ids and today and not_weighed and export
    assert {(m.posyandu_id, m.month) for m in months} >= {(a1, OCT), (a1, NOV)}
    assert recap is not None and child is not None and ani in [c.child_id for c in found]
    assert owner.run("SELECT posyandu_id, month, computed_at, stale FROM posyandu_month_counts "
                     "ORDER BY 1, 2") == stored
    assert owner.run("SELECT actor, action, entity_id FROM audit_log WHERE action = 'child.view'") == [
        [f"staff:{area.staff['admin A3'].id}", "child.view", ani]]


def test_the_dashboard_user_signs_staff_in_and_out_and_runs_the_admin_page(owner, dashboard):
    """Sign-in, each request's check, an admin adding, re-scoping and deactivating a kader (their session ended),
    and sign-out: each audited, the staff trigger's entries naming the admin."""
    area = Area(owner)
    seed_areas(area)
    access, reads = PgStaffAccess(dashboard), PgDashboard(dashboard)
    admin = access.active_staff(area.staff["admin A3"].wa_id)
    assert admin is not None
    mark = owner.run("SELECT coalesce(max(id), 0) FROM audit_log")[0][0]

    access.open_session(admin.id, "session-admin", NOW + timedelta(hours=12))
    signed_in = access.session_staff("session-admin", NOW)
    scope = reads.scope(admin)
    listed = access.staff_list(scope)
    choices = access.posyandu_choices(scope)
    added = access.add_staff(scope, NEW, "Dewi", "kader", area.posyandu["A2"])
    new = access.active_staff(NEW)
    assert new is not None
    access.open_session(new.id, "session-new", NOW + timedelta(hours=12))
    changed = access.change_staff(scope, new.id, "bidan", area.posyandu["A1"])
    deactivated = access.set_active(scope, new.id, False, NOW)
    access.close_session("session-admin", NOW)

    assert signed_in == admin and listed and area.posyandu["A2"] in [i for i, _ in choices]
    assert (added, changed, deactivated) == ("added", "changed", "deactivated")
    assert access.session_staff("session-new", NOW) is None and access.session_staff("session-admin", NOW) is None
    assert owner.run("SELECT role, posyandu_id, active FROM staff WHERE id = %s", (new.id,)) == [
        ["bidan", area.posyandu["A1"], False]]
    me, them = f"staff:{admin.id}", f"staff:{new.id}"
    assert [tuple(r) for r in owner.run("SELECT actor, action, entity_id FROM audit_log WHERE id > %s ORDER BY id",
                                        (mark,))] == [
        (me, "staff.sign_in", admin.id), (me, "staff.insert", new.id), (them, "staff.sign_in", new.id),
        (me, "staff.update", new.id), (me, "staff.update", new.id), (me, "staff.sessions_revoke", new.id),
        (me, "staff.sign_out", admin.id)]


# Every write the dashboard never makes, and every change of schema: refused as insufficient_privilege.
DASHBOARD_REFUSED = [
    "INSERT INTO children (name, sex, birth_date) VALUES ('Ani', 'F', '2025-01-01')",
    "UPDATE children SET name = name",
    "DELETE FROM children",
    "INSERT INTO guardians (wa_id) VALUES ('6281200000001')",
    "UPDATE guardians SET opted_out_at = now()",
    "DELETE FROM guardians",
    "INSERT INTO measurements (child_id, measured_on, weight_kg, source) VALUES (1, '2025-01-01', 8, 'sheet')",
    "UPDATE measurements SET weight_kg = 9",
    "DELETE FROM measurements",
    "INSERT INTO outbox (kind, payload) VALUES ('send_message', '{}')",
    "UPDATE outbox SET done_at = now()",
    "DELETE FROM outbox",
    "INSERT INTO outbound_messages (wamid, kind) VALUES ('wamid.x', 'result')",
    "UPDATE reminders SET cancelled_at = now()",
    "DELETE FROM reminders",
    "UPDATE posyandu SET name = name",
    "INSERT INTO posyandu_month_counts SELECT * FROM posyandu_month_counts",
    "UPDATE posyandu_month_counts SET stale = false",
    "DELETE FROM posyandu_month_counts",
    "DELETE FROM staff",
    "UPDATE staff SET name = 'Someone else'",
    "UPDATE staff SET wa_id = '6281399990002'",
    "DELETE FROM staff_sessions",
    "UPDATE staff_sessions SET expires_at = now() + interval '1 year'",
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "INSERT INTO audit_log (at, actor, action, entity) VALUES (now() - interval '6 years', 'x', 'old', 'x')",
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ('9999', 'forged', 'x')",
    "SELECT nextval('children_id_seq')",
    "SELECT setval('staff_id_seq', 1)",
    "CREATE TABLE scratch (id int)",
    "ALTER TABLE children ADD COLUMN nickname text",
    "DROP TABLE outbox",
    "CREATE INDEX children_name ON children (name)",
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "CREATE TRIGGER t BEFORE INSERT ON staff FOR EACH ROW EXECUTE FUNCTION audit_staff_change()",
]


def test_the_dashboard_user_writes_nothing_else_and_cannot_alter_the_schema(dashboard):
    """Children, families, measurements, the outbox, messages, reminders, the stored counts and the audit trail
    are beyond it, and so is every change of schema."""
    allowed = [sql for sql in DASHBOARD_REFUSED if _sqlstate(dashboard, sql) != REFUSED]

    assert allowed == []


def test_the_dashboard_user_is_in_the_dashboard_role_only(owner, dashboard_user):
    """A member of tumbuh_dashboard, not of tumbuh_runtime."""
    assert _member(owner, dashboard_user, DASHBOARD_ROLE)
    assert not _member(owner, dashboard_user, RUNTIME_ROLE)


def test_a_user_moved_from_the_runtime_role_to_the_dashboard_role_loses_its_writes(owner, login_role):
    """The dashboard's user of an earlier deploy, a runtime member, keeps only the dashboard's rights."""
    user = login_role()
    grant_runtime(owner, [user])

    grant_dashboard(owner, [user])

    assert not _member(owner, user, RUNTIME_ROLE) and _member(owner, user, DASHBOARD_ROLE)
    assert owner.run("SELECT has_table_privilege(%s, 'children', 'INSERT'), "
                     "has_table_privilege(%s, 'children', 'SELECT')", (user, user))[0] == [False, True]


@pytest.mark.parametrize("attributes", ["CREATEROLE", "SUPERUSER"])
def test_the_migrator_refuses_a_dashboard_user_that_could_alter_the_schema(owner, login_role, attributes):
    """As for the runtime role: a user that could make itself the owner is refused, and nothing is granted."""
    user = login_role(attributes)

    with pytest.raises(ConfigError, match="dashboard database user could alter the schema"):
        grant_dashboard(owner, [user])
    assert not _member(owner, user, DASHBOARD_ROLE)


def test_the_migrator_refuses_a_dashboard_user_that_owns_a_table(owner, login_role):
    """Ownership is the right to alter, whichever role the user is meant to have."""
    user = login_role()
    owner.run(f'ALTER TABLE reminders OWNER TO "{user}"')

    try:
        with pytest.raises(ConfigError, match="owner of the tables"):
            grant_dashboard(owner, [user])
    finally:
        owner.run("ALTER TABLE reminders OWNER TO CURRENT_USER")  # or the user could not be dropped
    assert not _member(owner, user, DASHBOARD_ROLE)


def test_the_migrator_refuses_a_dashboard_user_that_writes_more_than_its_role(owner, login_role):
    """A write granted to the user by hand (here a column of children) stops the deploy, naming it."""
    user = login_role()
    owner.run(f'GRANT UPDATE (name) ON children TO "{user}"')

    try:
        with pytest.raises(ConfigError, match=f"more than {DASHBOARD_ROLE}.*UPDATE on children"):
            grant_dashboard(owner, [user])
    finally:
        owner.run(f'REVOKE ALL ON children FROM "{user}"')  # or the user could not be dropped
    assert not _member(owner, user, DASHBOARD_ROLE)


def test_the_dashboard_grants_are_reapplied_from_nothing(owner):
    """A write granted to the role by hand is gone after the next deploy's grant; a table added later is read,
    not written."""
    owner.run(f"GRANT INSERT ON children TO {DASHBOARD_ROLE}")
    owner.run(f"GRANT UPDATE (name) ON staff TO {DASHBOARD_ROLE}")
    owner.run("CREATE TABLE added_later (id int)")

    grant_dashboard(owner, [])

    assert owner.run("SELECT has_table_privilege(%(r)s, 'children', 'INSERT'), "
                     "has_column_privilege(%(r)s, 'staff', 'name', 'UPDATE'), "
                     "has_column_privilege(%(r)s, 'staff', 'active', 'UPDATE'), "
                     "has_table_privilege(%(r)s, 'added_later', 'SELECT'), "
                     "has_table_privilege(%(r)s, 'added_later', 'INSERT')", {"r": DASHBOARD_ROLE})[0] == [
        False, False, True, True, False]


def test_the_migrator_script_grants_the_dashboard_role(database_url, login_role, monkeypatch):
    """DASHBOARD_DB_USERS names the dashboard's user: a dashboard member only; a user named for both roles is
    refused and the job fails."""
    runtime_user, dashboard_user = login_role(), login_role()
    monkeypatch.setenv("TUMBUH_ENV", "local")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RUNTIME_DB_USERS", runtime_user)
    monkeypatch.setenv("DASHBOARD_DB_USERS", f"{dashboard_user},")
    db = PostgresRecords(url_connector(database_url))

    assert migrator.main([]) == 0
    assert _member(db, dashboard_user, DASHBOARD_ROLE) and not _member(db, dashboard_user, RUNTIME_ROLE)
    assert _member(db, runtime_user, RUNTIME_ROLE) and not _member(db, runtime_user, DASHBOARD_ROLE)
    assert migrator.main(["--grant", dashboard_user, "--grant-dashboard", dashboard_user]) == 1
    db.discard()
