"""The nightly backup, its verification and its restore, through the backup ports (shared/ports.py BackupPorts).

- run(): one consistent snapshot of every table streamed (COPY) into sealed objects, each posyandu's Sheet
  exported beside it, then the manifest, written last and only once per date; then the prune (7 daily, 4 weekly,
  12 monthly). Idempotent per date: a re-run finds the manifest and does nothing; two runs at once meet at the
  database's backup lock, and the loser of the (create-once) manifest write removes what it wrote.
- verify(): every object of a backup read back: checksums, seals, row counts, without restoring.
- restore(): into an empty database (or, when told, one emptied first), checked the same way while it loads,
  in one transaction.

The rules (names, what a manifest must hold, what the retention keeps) are pure, in shared.domain.backups.
"""
from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from shared.domain import backups as rules
from shared.errors import AppError, BackupDamaged, PermanentError, TransientError
from shared.events import Event, emit
from shared.ports import BackupPorts, BackupStore, RestoreTarget, Sink, TableInfo, Written

log = logging.getLogger(__name__)
# The outcome's event, backup.finished: what an alert watches (a night without one is a failed night).
LOGGED = ("tables", "rows", "sheets", "sheets_skipped", "pruned", "seconds", "key_id")


def local_day(now: datetime, tz: str) -> date:
    """The backup's date: the calendar day in the deployment's time zone (02:00 WIB belongs to that day)."""
    return now.astimezone(ZoneInfo(tz)).date()


def _written(entry: Written, **extra) -> dict:
    return {"object": entry.name, "bytes": entry.size, "sha256": entry.sha256, "plain_bytes": entry.plain_bytes,
            **extra}


def _copy(snap, table: TableInfo, counted: dict) -> Callable[[Sink], object]:
    def produce(sink: Sink) -> None:
        counted[table.name] = snap.copy_out(table, sink)
    return produce


def run(ports: BackupPorts, now: datetime, token: str) -> dict:
    """Tonight's backup (dated by `now` in the deployment's time zone), unless it exists; then the prune.
    `token`: a random hex string naming this run's objects. Returns the summary that is also logged."""
    store = ports.store
    day = local_day(now, ports.tz)
    name = rules.manifest_name(day)
    started = time.monotonic()
    if store.get_manifest(name) is not None:
        return _already(ports, day, now, started)
    run_id = rules.run_id(now, token)
    written: list[str] = []
    try:
        with ports.dump.snapshot() as snap:
            if store.get_manifest(name) is not None:  # a run that held the lock before us finished it
                return _already(ports, day, now, started)
            schema = snap.schema_versions()
            tables = []
            for table in snap.tables():
                counted: dict[str, int] = {}
                entry = store.write(rules.table_object(day, run_id, table.name), _copy(snap, table, counted))
                written.append(entry.name)
                if entry.lines != counted[table.name]:
                    raise BackupDamaged(f"{table.name}: COPY said {counted[table.name]} rows, {entry.lines} "
                                        "lines were written")
                tables.append(_written(entry, name=table.name, columns=list(table.columns), rows=entry.lines))
            sequences = snap.sequences()
            to_export = snap.sheets() if ports.exporter is not None else []
        sheets, skipped = _export_sheets(ports, day, run_id, to_export, written)
        manifest = {
            "format": rules.FORMAT, "date": day.isoformat(), "run": run_id, "started_at": now.isoformat(),
            "tumbuh_version": ports.version, "schema": [{"version": v, "checksum": c} for v, c in schema],
            "schema_version": schema[-1][0] if schema else "", "tables": tables, "sequences": sequences,
            "sheets": sheets, "sheets_skipped": skipped,
            "rows": sum(t["rows"] for t in tables), "bytes": sum(t["bytes"] for t in tables + sheets),
        }
        if not store.put_manifest(name, manifest):  # another run wrote tonight's first: keep that one
            _remove(store, written)
            return _already(ports, day, now, started)
    except BaseException:
        if not _manifest_names_run(store, name, run_id):  # e.g. a manifest upload that timed out yet landed
            _remove(store, written)  # nothing half-written stays (and without a manifest it never counted)
        raise
    pruned = _prune_after(store, now)
    summary = {"ok": True, "date": day.isoformat(), "run": run_id, "done_before": False,
               "tables": len(tables), "rows": manifest["rows"], "bytes": manifest["bytes"],
               "sheets": len(sheets), "sheets_skipped": len(skipped), "pruned": pruned,
               "seconds": round(time.monotonic() - started, 2), "where": store.where, "key_id": store.key_id}
    # Its size in MiB: the log masks a number of 8 digits or more (a possible phone number), 10 MB in bytes.
    emit(log, Event.BACKUP_FINISHED, mib=round(summary["bytes"] / 2 ** 20, 2), **{k: summary[k] for k in LOGGED})
    return summary


def _manifest_names_run(store: BackupStore, name: str, run_id: str) -> bool:
    """Whether the date's manifest names this run; True when that cannot be told (then nothing is deleted: what
    no manifest names, the prune removes a day later)."""
    try:
        doc = store.get_manifest(name)
    except Exception:
        return True
    return doc is not None and doc.get("run") == run_id


def _prune_after(store: BackupStore, now: datetime) -> int | None:
    """The prune after a backup: its failure leaves the backup good, so it is logged (ERROR, for the alert) and
    the night still succeeds; the next night prunes what this one could not."""
    try:
        return prune(store, now)
    except AppError as exc:
        log.error(f"backup prune failed: {exc}", extra={"ctx": {"error": type(exc).__name__}})
        return None


def _already(ports: BackupPorts, day: date, now: datetime, started: float) -> dict:
    pruned = _prune_after(ports.store, now)
    summary = {"ok": True, "date": day.isoformat(), "done_before": True, "pruned": pruned,
               "seconds": round(time.monotonic() - started, 2), "where": ports.store.where}
    log.info("backup already made tonight", extra={"ctx": {"pruned": pruned, "seconds": summary["seconds"]}})
    return summary


def _export_sheets(ports: BackupPorts, day: date, run_id: str, to_export: list[tuple[int, str, bool]],
                   written: list[str]) -> tuple[list[dict], list[dict]]:
    """Each Sheet as .xlsx beside the tables; one that cannot be exported tonight is named in the manifest (the
    database holds every row it mirrors, so the backup stays good) and logged for the operator."""
    exporter = ports.exporter
    sheets: list[dict] = []
    skipped: list[dict] = []
    if exporter is None:
        return sheets, skipped
    for posyandu_id, spreadsheet_id, deletion_pending in to_export:
        if deletion_pending:  # tomorrow's backup takes it, once the Sheet no longer holds the deleted family
            skipped.append({"posyandu_id": posyandu_id, "reason": "deletion_pending"})
            continue

        def produce(sink: Sink, sid: str = spreadsheet_id) -> object:
            return exporter.export_xlsx(sid, sink)
        try:
            entry = ports.store.write(rules.sheet_object(day, run_id, posyandu_id), produce)
        except (PermanentError, TransientError) as exc:
            if isinstance(exc, BackupDamaged):
                raise
            skipped.append({"posyandu_id": posyandu_id, "reason": type(exc).__name__})
            log.warning("sheet not exported tonight", extra={"ctx": {"posyandu_id": posyandu_id,
                                                                     "error": type(exc).__name__}})
            continue
        written.append(entry.name)
        sheets.append(_written(entry, posyandu_id=posyandu_id))
    return sheets, skipped


def _remove(store: BackupStore, names: list[str]) -> None:
    for name in names:
        try:
            store.delete(name)
        except AppError:  # the prune removes it a day later
            log.warning("could not remove an object of an unfinished backup", extra={"ctx": {"object": name}})


def _manifests(store: BackupStore, names: list[str]) -> tuple[dict[date, dict], dict[date, str]]:
    """Readable manifests by date, and why each unreadable one is not."""
    found: dict[date, dict] = {}
    broken: dict[date, str] = {}
    for name in names:
        day = rules.object_day(name)
        if day is None or name != rules.manifest_name(day):
            continue
        try:
            doc = store.get_manifest(name)
        except BackupDamaged as exc:
            broken[day] = str(exc)
            continue
        if doc is not None:
            found[day] = doc
    return found, broken


def prune(store: BackupStore, now: datetime) -> int:
    """Delete what the retention policy no longer keeps, and what unfinished runs left a day ago; a date whose
    manifest cannot be read is left whole for a person to look at. Returns how many objects went."""
    names = store.names()
    found, broken = _manifests(store, names)
    if broken:
        log.error("backup manifest unreadable; its date is left alone", extra={"ctx": {
            "dates": sorted(d.isoformat() for d in broken)}})
    plan = rules.plan_prune([n for n in names if rules.object_day(n) not in broken],
                            {day: str(doc.get("run")) for day, doc in found.items()}, now)
    for name in plan:
        store.delete(name)
    return len(plan)


def listing(store: BackupStore) -> list[dict]:
    """Every backup date in the store, newest first: complete ones with their figures, and what is not."""
    names = store.names()
    found, broken = _manifests(store, names)
    days = {d for d in map(rules.object_day, names) if d is not None}
    out = []
    for day in sorted(days, reverse=True):
        if day in found:
            doc = found[day]
            out.append({"date": day.isoformat(), "status": "complete", "run": doc.get("run"),
                        "rows": doc.get("rows"), "bytes": doc.get("bytes"), "tables": len(doc.get("tables", [])),
                        "sheets": len(doc.get("sheets", [])), "schema_version": doc.get("schema_version"),
                        "key_id": doc.get("key_id"), "tumbuh_version": doc.get("tumbuh_version")})
        elif day in broken:
            out.append({"date": day.isoformat(), "status": "damaged", "problem": broken[day]})
        else:
            out.append({"date": day.isoformat(), "status": "incomplete", "problem": "no manifest: not a backup"})
    return out


def manifest_for(store: BackupStore, day: date) -> dict:
    """The complete manifest of a date, or BackupDamaged saying what is wrong with it."""
    doc = store.get_manifest(rules.manifest_name(day))
    if doc is None:
        if store.names(f"{day.isoformat()}/"):
            raise BackupDamaged(f"the backup of {day} has no manifest: it is incomplete (a run stopped half-way) "
                                "and cannot be trusted; pick another date (`list`)")
        raise BackupDamaged(f"there is no backup of {day} in {store.where}; `list` shows those there are")
    problems = rules.manifest_problems(doc, day)
    if problems:
        raise BackupDamaged(f"the manifest of {day} is not usable: " + "; ".join(problems))
    return doc


def _lines(chunks) -> int:
    return sum(chunk.count(b"\n") for chunk in chunks)


def verify(store: BackupStore, day: date) -> dict:
    """Read every object of a backup back (seal, sha256, rows) without restoring it. Returns a report whose
    `problems` is empty when the backup is good; BackupDamaged when its manifest cannot be used at all."""
    doc = manifest_for(store, day)
    problems: list[str] = []
    rows = 0
    for entry in doc["tables"]:
        try:
            got = _lines(store.open(entry["object"], entry["sha256"]))
        except BackupDamaged as exc:
            problems.append(str(exc))
            continue
        rows += got
        if got != entry["rows"]:
            problems.append(f"{entry['name']}: {got} rows in the object, the manifest says {entry['rows']}")
    for entry in doc.get("sheets") or []:
        try:
            for _ in store.open(entry["object"], entry["sha256"]):
                pass
        except BackupDamaged as exc:
            problems.append(str(exc))
    report = {"date": day.isoformat(), "ok": not problems, "tables": len(doc["tables"]), "rows": rows,
              "sheets": len(doc.get("sheets") or []), "problems": problems}
    log.info("backup verified", extra={"ctx": {k: v for k, v in report.items() if k != "problems"}
                                       | {"problems": len(problems)}})
    return report


# A HAPUS committed while the snapshot was being taken may or may not be in it: deletions are re-applied from a
# little before the backup started (deleting twice is harmless).
DELETION_MARGIN = timedelta(hours=1)


def restore(store: BackupStore, day: date, target: RestoreTarget, replace: bool = False,
            deletions: Callable[[datetime], tuple[list[int], list[int]]] | None = None) -> dict:
    """Load the backup of `day` into target, checking every object's seal, sha256 and row count as it streams;
    nothing is kept unless everything checks. `deletions(since)`, when given, names the families deleted with HAPUS
    since then (from the database the backup replaces): they are deleted again, so that a restore never brings a
    deleted family back. Returns a summary (rows restored, families deleted again)."""
    started = time.monotonic()
    doc = manifest_for(store, day)
    target.prepare([(m["version"], m["checksum"]) for m in doc["schema"]], replace)
    tables = [(TableInfo(e["name"], tuple(e["columns"])), store.open(e["object"], e["sha256"]), e["rows"])
              for e in doc["tables"]]
    loaded = target.load(tables, doc.get("sequences") or [])
    counts = target.counts()
    wrong = [f"{e['name']}: {counts.get(e['name'])} rows, the manifest says {e['rows']}"
             for e in doc["tables"] if counts.get(e["name"]) != e["rows"]]
    if wrong:
        raise BackupDamaged("restored, but the row counts differ: " + "; ".join(wrong))
    summary = {"date": day.isoformat(), "ok": True, "tables": len(loaded), "rows": sum(loaded.values()),
               "schema_version": doc.get("schema_version"), "seconds": round(time.monotonic() - started, 2)}
    if deletions is not None:
        guardians, children = deletions(datetime.fromisoformat(doc["started_at"]) - DELETION_MARGIN)
        summary["deleted_again"] = target.forget(guardians, children)
    log.info("backup restored", extra={"ctx": summary})
    return summary
