"""Posyandu spreadsheets: set one up, list them, or mirror waiting rows now.

    python -m scripts.sheet list
    python -m scripts.sheet setup --posyandu 3 [--editor kader@example.org ...] [--spreadsheet ID]
    python -m scripts.sheet setup --missing
    python -m scripts.sheet flush

`setup` creates the posyandu's spreadsheet (or completes it: safe to run again) through the Apps Script web app
when APPS_SCRIPT_URL is set, else as a local workbook under SHEET_DIR; it shares it with the editors, records it
with the posyandu and queues the posyandu's whole register, which the next scheduler run (or `flush`) writes.
`--spreadsheet ID` gives the posyandu an existing spreadsheet instead (one per puskesmas, shared by its posyandu).
Only the database and the Sheet settings matter, read from the environment as for the functions (DATABASE_URL, or
CLOUD_SQL_INSTANCE, DB_USER, DB_NAME, DB_IAM_AUTH; APPS_SCRIPT_URL and APPS_SCRIPT_SECRET, or SHEET_DIR): like the
migrator, it holds none of the functions' other secrets. Exits non-zero, naming the problem, when anything fails.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.adapters.postgres import PostgresRecords, connector_for  # noqa: E402  (the path above: importable)
from shared.bootstrap import build_sheets  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.errors import AppError  # noqa: E402
from shared.logs import setup_logging  # noqa: E402
from shared.services import sheet_setup, sheet_sync  # noqa: E402


def run(settings: Settings, args: argparse.Namespace) -> dict | list:
    """Do what the command line asked; returns what to print."""
    records = PostgresRecords(connector_for(settings))
    try:
        return _run(records, build_sheets(settings), settings, args)
    finally:
        records.discard()


def _run(records: PostgresRecords, sheets, settings: Settings, args: argparse.Namespace) -> dict | list:
    if args.command == "list":
        return [{"posyandu_id": pid, "name": name, "spreadsheet_id": sid} for pid, name, sid in
                records.posyandu_sheets()]
    if sheets is None:
        raise AppError("no Sheet is configured: set APPS_SCRIPT_URL and APPS_SCRIPT_SECRET, or SHEET_DIR")
    if args.command == "flush":
        today = datetime.now(timezone.utc).astimezone(ZoneInfo(settings.tz_default)).date()
        return sheet_sync.flush(records, sheets, today)
    # The reconcile's reader (the scheduler's identity) and the backup's export must be able to open it too.
    readers = settings.sheets_reader_accounts
    if args.missing:
        return {"set_up": sheet_setup.set_up_missing(records, sheets, readers)}
    if args.posyandu is None:
        raise AppError("setup needs --posyandu ID (see `list`) or --missing")
    return sheet_setup.set_up(records, sheets, args.posyandu, tuple(args.editor or ()) + readers, args.spreadsheet)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every posyandu and its spreadsheet")
    setup = sub.add_parser("setup", help="create or complete a posyandu's spreadsheet")
    setup.add_argument("--posyandu", type=int, help="the posyandu's id (see `list`)")
    setup.add_argument("--editor", action="append", metavar="EMAIL", help="share with this Google account")
    setup.add_argument("--spreadsheet", metavar="ID", help="use this existing spreadsheet")
    setup.add_argument("--missing", action="store_true", help="set up every posyandu that has no spreadsheet")
    sub.add_parser("flush", help="mirror the waiting rows now (the scheduler does it on every run)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    setup_logging(settings.log_level, sys.stderr)  # stdout carries the answer (JSON)
    try:
        out = run(settings, args)
    except (AppError, LookupError) as exc:
        print(f"sheet: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
