"""The backup's side of PostgreSQL: a consistent snapshot streamed out table by table (COPY ... TO STDOUT), and a
restore streamed back in (COPY ... FROM STDIN) in one transaction.

Both open a connection of their own: a snapshot's transaction lasts the whole backup, and a restore's the whole
load. PostgreSQL's COPY text format is one line per row, so rows are counted on the way out and checked on the
way in without parsing anything.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

import pg8000.dbapi

from shared.adapters.postgres.connections import Connect, Database
from shared.adapters.postgres.migrations import load_migrations, migrate, quote_ident
from shared.errors import BackupBusy, BackupDamaged, PermanentError, TransientError
from shared.ports import Sink, TableInfo

log = logging.getLogger(__name__)

# One backup at a time, across every instance: a session lock, freed by PostgreSQL if the backup's process dies.
BACKUP_LOCK = 0x7475_6D62_6B70  # "tumbkp"
SCHEMA_TABLE = "schema_migrations"  # rebuilt by the migrations on restore, recorded in the manifest instead

_TABLES = (
    "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname")
_COLUMNS = (
    "SELECT attrelid, attname FROM pg_attribute WHERE attrelid = ANY(%s) AND attnum > 0 AND NOT attisdropped "
    "AND attgenerated = '' ORDER BY attrelid, attnum")
_PARENTS = (
    "SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s) "
    "AND conrelid <> confrelid")
_SEQUENCES = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname")
# A Sheet with a deletion still waiting for it in the outbox is not exported: HAPUS must not survive in a backup.
_SHEETS = (
    "SELECT p.id, p.spreadsheet_id, EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'sheet_delete' "
    "AND o.done_at IS NULL AND (o.payload->>'posyandu_id')::bigint = p.id) "
    "FROM posyandu p WHERE p.spreadsheet_id IS NOT NULL ORDER BY p.id")


class RestoreRefused(PermanentError):
    """The target database is not one a backup may be restored into as asked; the message says why and how."""


def _connect(connect: Connect) -> pg8000.dbapi.Connection:
    try:
        return connect()
    except (pg8000.dbapi.InterfaceError, OSError) as exc:
        raise TransientError(f"cannot reach PostgreSQL: {type(exc).__name__}") from exc


def _tables(cur) -> list[TableInfo]:
    """Every data table, parents before children (a foreign key's target loads first), by name otherwise."""
    cur.execute(_TABLES)
    names = {oid: name for oid, name in cur.fetchall() if name != SCHEMA_TABLE}
    oids = list(names)
    cur.execute(_COLUMNS, (oids,))
    columns: dict[int, list[str]] = {oid: [] for oid in oids}
    for oid, column in cur.fetchall():
        columns[oid].append(column)
    cur.execute(_PARENTS, (oids,))
    parents: dict[int, set[int]] = {oid: set() for oid in oids}
    for child, parent in cur.fetchall():
        if parent in names:
            parents[child].add(parent)
    ordered: list[int] = []
    done: set[int] = set()
    while len(ordered) < len(oids):
        ready = sorted((o for o in oids if o not in done and parents[o] <= done), key=names.__getitem__)
        if not ready:  # a cycle of foreign keys: none in Tumbuh's schema; load the rest by name
            ready = sorted((o for o in oids if o not in done), key=names.__getitem__)
        for oid in ready:
            ordered.append(oid)
            done.add(oid)
    return [TableInfo(names[o], tuple(columns[o])) for o in ordered]


def _copy_columns(table: TableInfo) -> str:
    return f"{quote_ident(table.name)} ({', '.join(quote_ident(c) for c in table.columns)})"


def _reason(exc: Exception) -> str:
    """PostgreSQL's message and code, without its detail and context lines (they quote the row: child data)."""
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return f"{fields.get('M', type(exc).__name__)} (SQLSTATE {fields.get('C', '?')})"


class PgSnapshot:
    """The Snapshot port on one connection inside a REPEATABLE READ, READ ONLY transaction."""

    def __init__(self, conn: pg8000.dbapi.Connection):
        self.cur = conn.cursor()

    def schema_versions(self) -> list[tuple[str, str]]:
        self.cur.execute(f"SELECT version, checksum FROM {SCHEMA_TABLE} ORDER BY version")
        return [(v, c) for v, c in self.cur.fetchall()]

    def tables(self) -> list[TableInfo]:
        return _tables(self.cur)

    def copy_out(self, table: TableInfo, sink: Sink) -> int:
        self.cur.execute(f"COPY {_copy_columns(table)} TO STDOUT", stream=sink)
        return self.cur.rowcount

    def sequences(self) -> list[dict]:
        self.cur.execute(_SEQUENCES)
        out = []
        for (name,) in self.cur.fetchall():
            self.cur.execute(f"SELECT last_value, is_called FROM {quote_ident(name)}")
            last_value, is_called = self.cur.fetchone()
            out.append({"name": name, "last_value": int(last_value), "is_called": bool(is_called)})
        return out

    def sheets(self) -> list[tuple[int, str, bool]]:
        self.cur.execute(_SHEETS)
        return [(int(pid), sid, bool(pending)) for pid, sid, pending in self.cur.fetchall()]


class PgDump:
    """The DatabaseDump port: snapshots on a connection of their own, one backup at a time."""

    def __init__(self, connect: Connect):
        self.connect = connect

    @contextmanager
    def snapshot(self) -> Iterator[PgSnapshot]:
        conn = _connect(self.connect)
        try:
            conn.autocommit = True
            cur = conn.cursor()
            cur.execute("SELECT pg_try_advisory_lock(%s)", (BACKUP_LOCK,))
            if not cur.fetchone()[0]:
                raise BackupBusy("another backup is running")
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PgSnapshot(conn)
            cur.execute("COMMIT")
        except (pg8000.dbapi.InterfaceError, OSError) as exc:
            raise TransientError(f"PostgreSQL connection lost during the backup: {type(exc).__name__}") from exc
        finally:
            try:
                conn.close()  # ends the transaction if still open, and frees the lock
            except Exception:
                pass


def deletions_since(connect: Connect, since: datetime) -> tuple[list[int], list[int]]:
    """The families deleted with HAPUS since `since`, from a database's audit log (ids only): (guardian ids, child
    ids). Read from the database a backup replaces, so that a restore can delete them again."""
    conn = _connect(connect)
    try:
        cur = conn.cursor()
        cur.execute("SELECT entity_id, detail FROM audit_log WHERE action = 'family.delete' AND at >= %s",
                    (since,))
        guardians: set[int] = set()
        children: set[int] = set()
        for guardian_id, detail in cur.fetchall():
            if guardian_id is not None:
                guardians.add(int(guardian_id))
            children.update(int(c) for c in (detail or {}).get("children") or [])
        conn.rollback()
        return sorted(guardians), sorted(children)
    finally:
        conn.close()


class PgRestore:
    """The RestoreTarget port: a database (usually a fresh, empty one) that a backup is loaded into."""

    def __init__(self, connect: Connect):
        self.connect = connect

    def _rows_anywhere(self, cur) -> list[str]:
        found = []
        for table in _tables(cur):
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {quote_ident(table.name)})")
            if cur.fetchone()[0]:
                found.append(table.name)
        return found

    def prepare(self, schema: list[tuple[str, str]], replace: bool) -> None:
        versions = [v for v, _ in schema]
        conn = _connect(self.connect)
        try:
            conn.autocommit = True
            cur = conn.cursor()
            if replace:
                log.warning("restore: dropping everything in the target database's public schema")
                cur.execute("DROP SCHEMA public CASCADE")
                cur.execute("CREATE SCHEMA public")
                cur.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            else:
                holding = self._rows_anywhere(cur)
                if holding:
                    raise RestoreRefused(
                        f"the target database is not empty ({len(holding)} tables hold rows, e.g. "
                        f"{', '.join(holding[:3])}): restore into a new, empty database, or pass --replace to "
                        "drop everything in this one first")
            cur.execute(f"SELECT to_regclass('{SCHEMA_TABLE}') IS NOT NULL")
            applied: list[str] = []
            if cur.fetchone()[0]:
                cur.execute(f"SELECT version FROM {SCHEMA_TABLE} ORDER BY version")
                applied = [v for (v,) in cur.fetchall()]
            ahead = [v for v in applied if v not in versions]
            if ahead:
                raise RestoreRefused(f"the target's schema has migrations the backup does not ({', '.join(ahead)}): "
                                     "restore into a new, empty database, or pass --replace")
        finally:
            conn.close()
        wanted = dict(schema)
        known = [m for m in load_migrations() if m.version in wanted]
        missing = sorted(set(wanted) - {m.version for m in known})
        if missing:
            raise RestoreRefused(f"this Tumbuh does not know migrations {', '.join(missing)} of the backup's schema: "
                                 "restore with the Tumbuh version that made the backup, or a newer one")
        edited = [m.version for m in known if m.checksum != wanted[m.version]]
        if edited:
            raise RestoreRefused(f"migrations {', '.join(edited)} differ from those the backup's database ran: "
                                 "restore with the Tumbuh version that made the backup")
        db = Database(self.connect)
        try:
            migrate(db, known)
        finally:
            db.discard()

    def load(self, tables: Sequence[tuple[TableInfo, Iterable[bytes], int]], sequences: list[dict]) -> dict[str, int]:
        conn = _connect(self.connect)
        ok = False
        try:
            conn.autocommit = False
            cur = conn.cursor()
            loaded: dict[str, int] = {}
            for table, stream, expected in tables:
                name = quote_ident(table.name)
                # User triggers (the staff audit trigger) would write the restored rows' history a second time.
                cur.execute(f"ALTER TABLE {name} DISABLE TRIGGER USER")
                cur.execute(f"COPY {_copy_columns(table)} FROM STDIN", stream=stream)
                loaded[table.name] = cur.rowcount
                cur.execute(f"ALTER TABLE {name} ENABLE TRIGGER USER")
                if loaded[table.name] != expected:
                    raise BackupDamaged(f"{table.name}: {loaded[table.name]} rows restored, the manifest says "
                                        f"{expected}")
            for seq in sequences:
                cur.execute("SELECT setval(%s::regclass, %s, %s)",
                            (quote_ident(seq["name"]), seq["last_value"], seq["is_called"]))
            conn.commit()
            ok = True
            return loaded
        except pg8000.dbapi.DatabaseError as exc:
            raise RestoreRefused(f"PostgreSQL refused the restored data: {_reason(exc)}") from None
        finally:
            if not ok:
                log.warning("restore: nothing was kept (the load's transaction is rolled back)")
            try:
                conn.close()  # without a commit, closing rolls everything back
            except Exception:
                pass

    def forget(self, guardian_ids: list[int], child_ids: list[int]) -> dict[str, int]:
        conn = _connect(self.connect)
        try:
            cur = conn.cursor()
            # Children first: a kader-registered child (no guardian) goes by its own id; a family's go with it.
            cur.execute("DELETE FROM children WHERE id = ANY(%s)", (child_ids,))
            children = cur.rowcount
            cur.execute("DELETE FROM guardians WHERE id = ANY(%s)", (guardian_ids,))
            guardians = cur.rowcount
            conn.commit()
            return {"guardians": guardians, "children": children}
        finally:
            conn.close()

    def counts(self) -> dict[str, int]:
        conn = _connect(self.connect)
        try:
            cur = conn.cursor()
            out = {}
            for table in _tables(cur):
                cur.execute(f"SELECT count(*) FROM {quote_ident(table.name)}")
                out[table.name] = int(cur.fetchone()[0])
            conn.rollback()
            return out
        finally:
            conn.close()
