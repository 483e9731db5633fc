"""The nightly backup by hand, and its restore (see docs/operations.md).

    .venv/bin/python -m shared.backup run [--now 2026-11-27T02:00+07:00]   tonight's backup, as the function makes it
    .venv/bin/python -m shared.backup list                                 the backups there are, newest first
    .venv/bin/python -m shared.backup verify --date 2026-11-27             read one back and check it, restore nothing
    .venv/bin/python -m shared.backup restore --date 2026-11-27 --database-url postgresql://... [--replace]
        [--reapply-deletions-from postgresql://...]             the database it replaces: HAPUS since is done again
    .venv/bin/python -m shared.backup open --date 2026-11-27 --name children --out children.copy

Where the backups are and the key that opens them come from BACKUP_BUCKET (gs://bucket/prefix or a folder),
BACKUP_KEY and, after a rotation, BACKUP_PREVIOUS_KEYS; STORAGE_API_URL points at another endpoint (an emulator).
`run` uses the configured database (locally, the running `make run`'s); the others need none. Prints JSON on
stdout, the reason on stderr; exits 0 when all is well, 1 when not, 2 for a usage mistake.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, timezone

from shared.config import Settings
from shared.errors import AppError
from shared.logs import setup_logging


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-27T02:00+07:00")
    return moment.astimezone(timezone.utc)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date as YYYY-MM-DD, e.g. 2026-11-27") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.backup", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="make tonight's backup now (nothing happens if it exists)")
    run.add_argument("--now", type=_when, help="pretend this moment (ISO 8601 with its time zone)")
    sub.add_parser("list", help="list the backups, newest first")
    verify = sub.add_parser("verify", help="check one backup without restoring it")
    verify.add_argument("--date", type=_day, required=True)
    restore = sub.add_parser("restore", help="restore one backup into an empty database")
    restore.add_argument("--date", type=_day, required=True)
    restore.add_argument("--database-url", required=True, help="postgresql://user:password@host:port/database")
    restore.add_argument("--replace", action="store_true",
                         help="drop everything in the target database first (it is refused when it holds rows)")
    restore.add_argument("--reapply-deletions-from", metavar="URL",
                         help="the database this backup replaces, if it can still be read: families deleted with "
                              "HAPUS since the backup are deleted again")
    opened = sub.add_parser("open", help="write one table (COPY text) or Sheet (.xlsx) of a backup as a plain file")
    opened.add_argument("--date", type=_day, required=True)
    opened.add_argument("--name", required=True, help="a table (children) or a Sheet (posyandu-4)")
    opened.add_argument("--out", required=True, help="the file to write (it must not exist)")
    return parser


def _store():
    from shared.bootstrap import build_backup_store

    return build_backup_store(Settings.from_env())


def _run(args) -> tuple[dict, bool]:
    from shared.bootstrap import build_app
    from shared.services import scheduled

    try:
        from scripts import running  # a checkout's `make run`, when no database is configured
        running.use_live_stores()
    except ImportError:
        pass
    summary, status = scheduled.run_backup(build_app(), args.now)
    return summary, status == 200


def _open(args) -> tuple[dict, bool]:
    from shared.services import backup

    store = _store()
    doc = backup.manifest_for(store, args.date)
    entries = {e["name"]: e for e in doc["tables"]}
    entries.update({f"posyandu-{e['posyandu_id']}": e for e in doc.get("sheets") or []})
    entry = entries.get(args.name)
    if entry is None:
        raise AppError(f"the backup of {args.date} has no {args.name!r}; it has: {', '.join(sorted(entries))}")
    size = 0
    with open(args.out, "xb") as out:  # x: never overwrite a file
        os.chmod(args.out, 0o600)  # it holds children's data in the clear
        for chunk in store.open(entry["object"], entry["sha256"]):
            out.write(chunk)
            size += len(chunk)
    return {"date": args.date.isoformat(), "name": args.name, "out": args.out, "bytes": size}, True


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(os.environ.get("LOG_LEVEL", "WARNING"), sys.stderr)  # stdout carries the JSON
    from shared.adapters.postgres import url_connector
    from shared.adapters.postgres.dump import PgRestore, deletions_since
    from shared.services import backup

    try:
        if args.command == "run":
            result, ok = _run(args)
        elif args.command == "list":
            listed = backup.listing(_store())
            result, ok = {"backups": listed}, True
        elif args.command == "verify":
            result = backup.verify(_store(), args.date)
            ok = result["ok"]
        elif args.command == "restore":
            old = args.reapply_deletions_from
            deletions = (lambda since: deletions_since(url_connector(old), since)) if old else None
            result = backup.restore(_store(), args.date, PgRestore(url_connector(args.database_url)), args.replace,
                                    deletions)
            ok = True
        else:
            result, ok = _open(args)
    except FileExistsError as exc:
        print(f"backup {args.command}: {exc.filename} exists; name a new file", file=sys.stderr)
        return 1
    except AppError as exc:
        print(f"backup {args.command}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
