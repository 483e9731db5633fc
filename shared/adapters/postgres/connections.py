"""PostgreSQL connections: plain pg8000 locally, the Cloud SQL connector in production, one per thread, and each
statement prepared once per connection.

Written against the DB-API (`pg8000.dbapi`), because the Cloud SQL connector hands back a DB-API connection:
the same SQL runs locally and in Cloud SQL. Connection errors surface as TransientError.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping, Sequence
from urllib.parse import unquote, urlsplit

import pg8000.dbapi
from pg8000.converters import make_params
from pg8000.dbapi import convert_paramstyle

from shared.config import Settings
from shared.errors import ConfigError, TransientError

Connect = Callable[[], pg8000.dbapi.Connection]

STATEMENTS_PER_CONNECTION = 256  # prepared statements kept per connection (the app has a few dozen)
_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection → OrderedDict of its statements


class _Names(dict):
    """Answers each parameter name with the name itself, so that convert_paramstyle lists a statement's
    %(name)s parameters in the order of the $1, $2... it gave them."""

    def __missing__(self, name: str) -> str:
        return name


def query(conn: pg8000.dbapi.Connection, sql: str, params: Sequence | Mapping = ()):
    """Run one statement as a named prepared statement of this connection; returns pg8000's result (.rows is
    None for a statement without a result, .row_count counts affected rows).

    Parameters are %s with a sequence, or %(name)s with a mapping when a statement uses a value more than once.
    pg8000's cursor.execute sends Parse, Describe and Bind/Execute with a Sync after each: three round trips,
    and PostgreSQL parses and plans the statement every time. Prepared once per connection, each later
    execution is one round trip with a cached plan. That matters most in production, where Cloud SQL is a
    network hop away. The statement runs in the connection's transaction if one is open (a unit of work
    begins one), else on its own.
    """
    cache = _statements.get(conn)
    if cache is None:
        cache = _statements[conn] = OrderedDict()
    entry = cache.get(sql)
    if entry is None:
        named = isinstance(params, Mapping)
        statement, names = convert_paramstyle("pyformat", sql, _Names()) if named else \
            convert_paramstyle("format", sql, params)
        if len(cache) >= STATEMENTS_PER_CONNECTION:
            conn.close_prepared_statement(cache.popitem(last=False)[1][0])
        name, columns, input_funcs = conn.prepare_statement(statement, ())
        entry = cache[sql] = (name, columns, input_funcs, statement, names if named else None)
    else:
        cache.move_to_end(sql)
    name, columns, input_funcs, statement, names = entry
    values = params if names is None else [params[n] for n in names]
    return conn.execute_named(name, make_params(conn.py_types, values), columns, input_funcs, statement)


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

                # Lazy: CPU is throttled between requests. Private: deploy.sh gives Cloud SQL no public IP.
                state["connector"] = Connector(refresh_strategy="lazy", ip_type="private")
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

    def connection_for(self, autocommit: bool) -> pg8000.dbapi.Connection:
        """This thread's connection with its DB-API cursors in the wanted mode (the migrations want explicit
        transactions). query() does not depend on the mode: a unit of work begins its transaction itself."""
        conn = self.connection()
        if conn.autocommit != autocommit:
            conn.autocommit = autocommit
        return conn

    @contextmanager
    def atomic(self) -> Iterator[pg8000.dbapi.Connection]:
        """One transaction on this thread's connection, for the statements the block runs (run(), query()):
        committed when it ends, rolled back on any error; a lost connection is dropped and raised as
        TransientError."""
        conn = self.connection()
        try:
            conn.execute_simple("BEGIN")
            yield conn
            conn.execute_simple("COMMIT")
        except (pg8000.dbapi.InterfaceError, OSError) as exc:
            self.discard()
            raise TransientError(f"PostgreSQL connection lost: {type(exc).__name__}") from exc
        except BaseException:
            try:
                conn.execute_simple("ROLLBACK")
            except Exception:
                self.discard()
            raise

    def run(self, sql: str, params: Sequence | Mapping = ()) -> list[tuple]:
        """Run one statement on its own (one round trip, no BEGIN or COMMIT) and return its rows; drops a broken
        connection."""
        try:
            return query(self.connection(), sql, params).rows or []
        except (pg8000.dbapi.InterfaceError, OSError) as exc:
            self.discard()
            raise TransientError(f"PostgreSQL connection lost: {type(exc).__name__}") from exc

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


def connector_for(settings: Settings) -> Connect:
    """How to open a connection with these settings: Cloud SQL's connector, or a URL (local runs, tests)."""
    if settings.database_backend == "cloud_sql":
        return cloud_sql_connector(settings.cloud_sql_instance, settings.db_user, settings.db_name,
                                   settings.db_iam_auth, settings.db_password)
    return url_connector(settings.database_url)
