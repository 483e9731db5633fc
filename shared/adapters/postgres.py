"""PostgreSQL: connections (plain pg8000 locally, the Cloud SQL connector in production) and the migration runner.

Written against the DB-API (`pg8000.dbapi`), because the Cloud SQL connector hands back a DB-API connection:
the same SQL runs locally and in Cloud SQL. Connection errors surface as TransientError.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

import pg8000.dbapi

from shared.errors import ConfigError, TransientError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any constant works; it only has to be the same for every process that migrates this database.
_MIGRATION_LOCK = 0x7475_6D62_7568  # "tumbuh"

Connect = Callable[[], pg8000.dbapi.Connection]


def url_connector(database_url: str, timeout_s: float = 10) -> Connect:
    """A connect() for a postgresql:// URL (local cluster, or any reachable server)."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"DATABASE_URL must start with postgresql://, not {parts.scheme or 'nothing'}://")
    kwargs = dict(
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=unquote(parts.path.lstrip("/")) or None,
        timeout=timeout_s,
        application_name="tumbuh",
    )
    return lambda: pg8000.dbapi.connect(**kwargs)


def cloud_sql_connector(instance: str, user: str, db_name: str, iam_auth: bool, password: str = "") -> Connect:
    """A connect() through the Cloud SQL Python connector (imported on first use: it costs ~430 ms)."""
    state: dict = {}
    lock = threading.Lock()

    def connect() -> pg8000.dbapi.Connection:
        with lock:
            if "connector" not in state:
                from google.cloud.sql.connector import Connector  # lazy: heavy import, production only

                state["connector"] = Connector(refresh_strategy="lazy")  # CPU is throttled between requests
        extra = {"enable_iam_auth": True} if iam_auth else {"password": password}
        return state["connector"].connect(instance, "pg8000", user=user, db=db_name, **extra)

    return connect


class Database:
    """One lazily opened connection per thread (pg8000 connections are not thread-safe)."""

    def __init__(self, connect: Connect):
        self._connect = connect
        self._local = threading.local()

    def connection(self) -> pg8000.dbapi.Connection:
        """This thread's connection, opened on first use; a failure to connect is transient."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._connect()
            except (pg8000.dbapi.InterfaceError, OSError) as exc:
                raise TransientError(f"cannot reach PostgreSQL: {type(exc).__name__}") from exc
            self._local.conn = conn
        return conn

    def run(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Run one statement in its own transaction and return its rows; drops a broken connection."""
        conn = self.connection()
        try:
            cur = conn.cursor()
            cur.execute(sql, params) if params else cur.execute(sql)
            rows = list(cur.fetchall()) if cur.description else []
            conn.commit()
            return rows
        except (pg8000.dbapi.InterfaceError, OSError) as exc:
            self.discard()
            raise TransientError(f"PostgreSQL connection lost: {type(exc).__name__}") from exc
        except Exception:
            try:
                conn.rollback()
            except Exception:  # the connection is unusable: open a fresh one next time
                self.discard()
            raise

    def discard(self) -> None:
        """Forget (and close) this thread's connection."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass

    def ping(self) -> bool:
        """True when the database answers."""
        rows = self.run("SELECT 1")
        return bool(rows) and rows[0][0] == 1


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
    conn = db.connection()
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
    applied = dict(cur.fetchall())
    for m in migrations:
        if m.version in applied and applied[m.version] != m.checksum:
            raise ConfigError(
                f"migration {m.version}_{m.name} was edited after it was applied; add a new migration instead"
            )
    return [m for m in migrations if m.version not in applied]


class PostgresRecords(Database):
    """The Records port over PostgreSQL; queries for children and measurements arrive with their issues."""
