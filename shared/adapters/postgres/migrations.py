"""PostgreSQL schema: the migration runner, the runtime and dashboard roles' grants and the audit log's purge (the
migrator's jobs, as the schema owner)."""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pg8000.dbapi

from shared.adapters.postgres.connections import Database
from shared.errors import ConfigError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent.with_name("migrations")  # shared/adapters/migrations
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every process that migrates this database.
_MIGRATION_LOCK = 0x7475_6D62_7568  # "tumbuh"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; refuses stray or duplicate names."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ConfigError(f"migration file {path.name} is not named NNNN_lower_snake.sql")
        found.append(Migration(match[1], match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ConfigError("two migration files share a version number")
    return found


def migrate(db: Database, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations, each in its own transaction, under an advisory lock; return versions applied.

    Safe to call on every cold start and from several instances at once: the fast path is one SELECT, and
    the lock makes a second migrator wait and then find nothing to do. An edited, already-applied migration
    is refused (its checksum no longer matches), because the database would silently differ from the code.
    """
    migrations = load_migrations() if migrations is None else migrations
    conn = db.connection_for(autocommit=False)  # each migration must commit whole or not at all
    cur = conn.cursor()
    # Fast path, no lock: the table exists and nothing is pending (every warm start after the first).
    cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if cur.fetchone()[0] and not _pending(cur, migrations):
        conn.commit()
        return []
    conn.commit()
    applied_now: list[str] = []
    # Everything else under the lock, creating the bookkeeping table included: concurrent
    # CREATE TABLE IF NOT EXISTS statements race in PostgreSQL's catalog.
    cur.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
    conn.commit()
    try:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.commit()
        for migration in _pending(cur, migrations):
            try:
                cur.execute(migration.sql)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
                conn.commit()
            except Exception:
                conn.rollback()
                log.error("migration failed", extra={"ctx": {"version": migration.version}})
                raise
            applied_now.append(migration.version)
            log.info("migration applied", extra={"ctx": {"version": migration.version, "name": migration.name}})
    finally:
        conn.rollback()  # a failed statement leaves the transaction aborted; unlock needs a clean one
        cur.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
        conn.commit()
    return applied_now


def _pending(cur, migrations: list[Migration]) -> list[Migration]:
    cur.execute("SELECT version, checksum FROM schema_migrations")
    return _unapplied(dict(cur.fetchall()), migrations)


def _unapplied(applied: dict[str, str], migrations: list[Migration]) -> list[Migration]:
    for m in migrations:
        if m.version in applied and applied[m.version] != m.checksum:
            raise ConfigError(
                f"migration {m.version}_{m.name} was edited after it was applied; add a new migration instead"
            )
    return [m for m in migrations if m.version not in applied]


def pending_migrations(db: Database, migrations: list[Migration] | None = None) -> list[Migration]:
    """The migrations this database still lacks, applying none: what an instance that may not migrate checks at
    cold start. One SELECT; an edited, already-applied migration is refused as migrate() refuses it."""
    migrations = load_migrations() if migrations is None else migrations
    try:
        applied = dict(db.run("SELECT version, checksum FROM schema_migrations"))
    except pg8000.dbapi.DatabaseError as exc:
        if _sqlstate(exc) == "42P01":  # undefined_table: nobody migrated this database yet
            return list(migrations)
        if _sqlstate(exc) == "42501":  # insufficient_privilege
            raise ConfigError("this database user cannot read schema_migrations: run the migrator, which grants "
                              f"{RUNTIME_ROLE} (or {DASHBOARD_ROLE}) to the functions' users") from exc
        raise
    return _unapplied(applied, migrations)


def _sqlstate(exc: Exception) -> str:
    """PostgreSQL's error code from a pg8000 error (its first argument is the server's error fields)."""
    fields = exc.args[0] if exc.args else None
    return fields.get("C", "") if isinstance(fields, dict) else ""


# The functions' database role (migration 0005): reads and writes the data, owns nothing, so it cannot alter the
# schema; audit_log is append-only for it. Each function's own database user is made a member by the migrator.
RUNTIME_ROLE = "tumbuh_runtime"
# The staff dashboard's (migration 0014): reads the data, writes only sign-ins, audit entries and the admin page's
# staff changes. The dashboard's database user is made a member of it, and of it only, by the migrator.
DASHBOARD_ROLE = "tumbuh_dashboard"
_PRIVILEGES = {RUNTIME_ROLE: "grant_runtime_privileges", DASHBOARD_ROLE: "grant_dashboard_privileges"}
# What a role's member must not hold beyond the role: the writes, and TRIGGER (a trigger is a change of schema).
_TABLE_RIGHTS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")


def quote_ident(name: str) -> str:
    """A quoted SQL identifier: Cloud SQL IAM user names hold '@', '.' and '-'."""
    return '"' + name.replace('"', '""') + '"'


def grant_runtime(db: Database, users: list[str]) -> None:
    """Re-apply the runtime role's privileges (tables added since get theirs), make each database user a member,
    and check that none of them can alter the schema; raises ConfigError naming what is wrong.

    Run by the migrator, the schema owner, at every deploy. A user that can act as a table's owner, create in
    the schema or database, or create roles (which can grant itself the owner's role) is refused, and so is one
    that may write more than the role (granted by hand): nothing is granted, and the deploy stops before
    functions start with more rights than they should have.
    """
    _let_in(db, RUNTIME_ROLE, users)


def grant_dashboard(db: Database, users: list[str]) -> None:
    """Re-apply the dashboard role's privileges (migration 0014), make each database user a member of it and no
    longer of the runtime role, and check them as grant_runtime does; raises ConfigError naming what is wrong.

    A dashboard user that still writes anything tumbuh_dashboard may not (a direct grant, or the runtime role
    through another role) is refused, and nothing is granted or revoked.
    """
    _let_in(db, DASHBOARD_ROLE, users, leaves=RUNTIME_ROLE)


def _let_in(db: Database, role: str, users: list[str], leaves: str | None = None) -> None:
    """Run the role's privileges function, grant the role to each user (revoking `leaves` from them), then check
    them all; one transaction, rolled back on any refusal."""
    kind = role.removeprefix("tumbuh_")
    conn = db.connection_for(autocommit=False)
    cur = conn.cursor()
    try:
        cur.execute(f"SELECT {_PRIVILEGES[role]}()")
        if not cur.fetchone()[0] and users:
            raise ConfigError(f"role {role} is missing and this user cannot create it; once, as the postgres user: "
                              f"CREATE ROLE {role} NOLOGIN; GRANT {role} TO <migrator> WITH ADMIN OPTION; then run "
                              "the migrator again")
        for user in users:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
            if cur.fetchone() is None:
                raise ConfigError(f"database user {user} does not exist (deploy.sh creates it with "
                                  "gcloud sql users create)")
            if leaves:  # not a member: PostgreSQL only warns
                cur.execute(f"REVOKE {leaves} FROM {quote_ident(user)}")
            cur.execute(f"GRANT {role} TO {quote_ident(user)}")
        problems = _schema_rights(cur, users)
        if problems:
            raise ConfigError(f"a {kind} database user could alter the schema: " + "; ".join(problems))
        problems = _rights_beyond(cur, role, users)
        if problems:
            raise ConfigError(f"a {kind} database user may do more than {role} lets it: " + "; ".join(problems))
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    if users:
        log.info("database role granted", extra={"ctx": {"role": role, "users": len(users)}})


def _schema_rights(cur, users: list[str]) -> list[str]:
    """Why each of these users could alter the schema (none: an empty list)."""
    cur.execute(
        "SELECT u.rolname, u.rolsuper OR u.rolcreaterole, has_database_privilege(u.oid, current_database(), "
        "'CREATE'), has_schema_privilege(u.oid, 'public', 'CREATE'), EXISTS (SELECT 1 FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
        "AND pg_has_role(u.oid, c.relowner, 'MEMBER')) FROM pg_roles u WHERE u.rolname = ANY(%s) "
        "ORDER BY u.rolname", (list(users),))
    reasons = ("is a superuser or may create roles", "may create schemas", "may create tables",
               "can act as the owner of the tables")
    return [f"{row[0]} {why}" for row in cur.fetchall() for why, bad in zip(reasons, row[1:]) if bad]


def _rights_beyond(cur, role: str, users: list[str]) -> list[str]:
    """What each of these users may do to a table of the schema that the role may not, as "user: INSERT on t";
    INSERT and UPDATE compared column by column (the dashboard role holds them on some columns only)."""
    cur.execute(
        "SELECT u.rolname, c.relname, r.priv FROM pg_roles u "
        "CROSS JOIN pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN unnest(%s::text[]) AS r(priv) "
        "WHERE u.rolname = ANY(%s) AND n.nspname = 'public' AND c.relkind IN ('r', 'p') AND CASE "
        "  WHEN r.priv IN ('INSERT', 'UPDATE') THEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
        "    AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(u.oid, c.oid, a.attnum, r.priv) "
        "    AND NOT has_column_privilege(%s::name, c.oid, a.attnum, r.priv)) "
        "  ELSE has_table_privilege(u.oid, c.oid, r.priv) AND NOT has_table_privilege(%s::name, c.oid, r.priv) END "
        "ORDER BY 1, 2, 3", (list(_TABLE_RIGHTS), list(users), role, role))
    return [f"{user}: {priv} on {table}" for user, table, priv in cur.fetchall()]


def purge_audit_log(db: Database, keep_days: int) -> int:
    """Delete audit entries older than keep_days and audit the purge (counts only); returns how many went.

    The migrator's job: the runtime role may not delete audit entries, and the trigger of migration 0005
    refuses to delete younger ones, for the owner too.
    """
    rows = db.run(
        "WITH gone AS (DELETE FROM audit_log WHERE at < now() - make_interval(days => %s) RETURNING 1) "
        "INSERT INTO audit_log (actor, action, entity, detail) SELECT 'migrator', 'retention.purge', 'retention', "
        "jsonb_build_object('audit_log', count(*)) FROM gone HAVING count(*) > 0 RETURNING detail",
        (keep_days,))
    return int(rows[0][0]["audit_log"]) if rows else 0

