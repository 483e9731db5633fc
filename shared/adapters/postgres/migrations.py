"""PostgreSQL schema: the migration runner, the runtime role's grants and the audit log's purge (the migrator's
jobs, as the schema owner)."""
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
                              f"{RUNTIME_ROLE} to the functions' users") from exc
        raise
    return _unapplied(applied, migrations)


def _sqlstate(exc: Exception) -> str:
    """PostgreSQL's error code from a pg8000 error (its first argument is the server's error fields)."""
    fields = exc.args[0] if exc.args else None
    return fields.get("C", "") if isinstance(fields, dict) else ""


# The functions' database role (migration 0005): reads and writes the data, owns nothing, so it cannot alter the
# schema; audit_log is append-only for it. Each function's own database user is made a member by the migrator.
RUNTIME_ROLE = "tumbuh_runtime"


def quote_ident(name: str) -> str:
    """A quoted SQL identifier: Cloud SQL IAM user names hold '@', '.' and '-'."""
    return '"' + name.replace('"', '""') + '"'


def grant_runtime(db: Database, users: list[str]) -> None:
    """Re-apply the runtime role's privileges (tables added since get theirs), make each database user a member,
    and check that none of them can alter the schema; raises ConfigError naming what is wrong.

    Run by the migrator, the schema owner, at every deploy. A user that can act as a table's owner, create in
    the schema or database, or create roles (which can grant itself the owner's role) is refused, and nothing
    is granted: the deploy stops before functions start with more rights than they should have.
    """
    conn = db.connection_for(autocommit=False)
    cur = conn.cursor()
    try:
        cur.execute("SELECT grant_runtime_privileges()")
        if not cur.fetchone()[0] and users:
            raise ConfigError(f"role {RUNTIME_ROLE} is missing and this user cannot create it; once, as the "
                              f"postgres user: CREATE ROLE {RUNTIME_ROLE} NOLOGIN; GRANT {RUNTIME_ROLE} TO "
                              f"<migrator> WITH ADMIN OPTION; then run the migrator again")
        for user in users:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
            if cur.fetchone() is None:
                raise ConfigError(f"database user {user} does not exist (deploy.sh creates it with "
                                  "gcloud sql users create)")
            cur.execute(f"GRANT {RUNTIME_ROLE} TO {quote_ident(user)}")
        cur.execute(
            "SELECT u.rolname, u.rolsuper OR u.rolcreaterole, has_database_privilege(u.oid, current_database(), "
            "'CREATE'), has_schema_privilege(u.oid, 'public', 'CREATE'), EXISTS (SELECT 1 FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND pg_has_role(u.oid, c.relowner, 'MEMBER')) FROM pg_roles u WHERE u.rolname = ANY(%s) "
            "ORDER BY u.rolname", (list(users),))
        reasons = ("is a superuser or may create roles", "may create schemas", "may create tables",
                   "can act as the owner of the tables")
        problems = [f"{row[0]} {why}" for row in cur.fetchall() for why, bad in zip(reasons, row[1:]) if bad]
        if problems:
            raise ConfigError("a runtime database user could alter the schema: " + "; ".join(problems))
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    if users:
        log.info("runtime role granted", extra={"ctx": {"users": len(users)}})


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

