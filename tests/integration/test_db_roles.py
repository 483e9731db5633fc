"""Database least privilege on the real PostgreSQL: the functions' role cannot alter the schema, audit_log is
append-only for it (and, within its retention, for the owner too), and the migrator lets users in only when
they could not alter the schema. Tests run as the cluster's superuser and act as the runtime role by SET ROLE.
"""
import dataclasses
import re
import uuid
from datetime import datetime, timezone

import pg8000.dbapi
import pytest

from scripts import migrate as migrator
from shared.adapters.postgres import (MIGRATIONS_DIR, RUNTIME_ROLE, PostgresRecords, grant_runtime, migrate,
                                      pending_migrations, purge_audit_log, url_connector)
from shared.adapters.redis_store import RedisConversations
from shared.bootstrap import build_app
from shared.errors import ConfigError, TransientError
from shared.services import retention
from shared.ports import Ports
from tests.integration.conftest import Chat, RecordingMessenger

pytestmark = pytest.mark.integration

ANSWERS = {"ask_measured_on": "date:today", "ask_oedema": "no"}  # reply to a prompt; "skip" to the others
REFUSED = "42501"  # insufficient_privilege: what a permission check and the audit trigger both raise


def _runtime_connector(url):
    """Connections that act as tumbuh_runtime for the whole session, as a function's own user would."""
    connect = url_connector(url)

    def as_runtime():
        conn = connect()
        conn.cursor().execute(f"SET ROLE {RUNTIME_ROLE}")
        conn.commit()  # a SET inside a transaction lasts for the session once committed
        return conn

    return as_runtime


@pytest.fixture
def owner(migrated) -> PostgresRecords:
    """The migrated database, reached as its owner (the migrator)."""
    return migrated


@pytest.fixture
def runtime(owner, database_url) -> PostgresRecords:
    """The same database as the functions reach it."""
    return PostgresRecords(_runtime_connector(database_url))


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


def _member(db: PostgresRecords, user: str) -> bool:
    """Whether the user was granted the runtime role (directly: a superuser passes every role check anyway)."""
    return db.run("SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                  "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s)",
                  (RUNTIME_ROLE, user))[0][0]


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
