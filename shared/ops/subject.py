"""A data-subject request (UU 27/2022) that reached the operator by letter, phone or the puskesmas, answered as
the chat answers DATA SAYA and HAPUS (services.subject does both), on the deployment's stores.

    .venv/bin/python -m shared.ops subject export --number 0812-3456-7890 [--out FILE]   everything held, as JSON
    .venv/bin/python -m shared.ops subject delete --number 0812-3456-7890 [--confirm]    what HAPUS deletes

The stores come from the environment as for `python -m shared.scheduler tick` (locally: the running `make run`'s
when DATABASE_URL is not set); PSEUDONYM_KEY must be the deployment's, or a "do not ask again" refusal is missed.
export writes FILE readable by you only (mode 600) and never over an existing file; without --out it prints the
document. delete without --confirm only shows what would go. Exits 0 when done, or when Tumbuh holds nothing about
the number (nothing changed); 1 when a store is down or FILE exists; 2 for a usage mistake or a delete not
confirmed (nothing changed). The terminal shows the family's data; the log lines (stderr) show wa_hash only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone

from shared.errors import AppError
from shared.logs import setup_logging
from shared.services.staff_login import normalise_number

# Said after a deletion and before it: what the command cannot reach.
DELETE_NOTES = (
    "Backups made before this deletion (last night's included) still hold the family until they age out (under "
    "a year: 7 daily, 4 weekly, 12 monthly copies, then 7 days of soft delete). A restore from one of them must "
    "apply this deletion again: `python -m shared.backup restore ... --reapply-deletions-from <the database it "
    "replaces>` (docs/operations.md, Restore step 5) reads it from the audit log (family.delete).",
    "The posyandu Sheet rows go at the scheduler's next Sheet flush (one sheet_delete per posyandu is queued); "
    "the Sheet's version history still shows them to the Sheet's editors (docs/privacy.md).",
    "Message ids received from the number (kind and time, under a pseudonym) stay until their 8 days are over, "
    "as after HAPUS in the chat.",
)


def _number(text: str) -> str:
    number = normalise_number(text)
    if number is None:
        raise argparse.ArgumentTypeError("not an Indonesian mobile number; give it as 0812-3456-7890, "
                                         "+62 812 3456 7890 or 6281234567890")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.ops subject", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="everything Tumbuh holds about a number, as one JSON document")
    export.add_argument("--number", type=_number, required=True, help="the family's WhatsApp number")
    export.add_argument("--out", help="the file to write (mode 600; it must not exist); default: print it")
    delete = sub.add_parser("delete", help="delete everything linked to a number, as HAPUS does")
    delete.add_argument("--number", type=_number, required=True, help="the family's WhatsApp number")
    delete.add_argument("--confirm", action="store_true", help="delete; without it, only show what would go")
    return parser


def _live_stores() -> None:
    """Point at the running `make run` when no store is configured (a checkout's tool; absent in a deployment)."""
    try:
        from scripts import running
    except ImportError:
        return
    running.use_live_stores()


def _create(path: str) -> int:
    """A new file only the operator can read; FileExistsError when the path exists (never overwritten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask: it holds a family's data in the clear
    return fd


def _discard(fd: int | None, path: str | None) -> None:
    """Close and remove the file made for an export that was not written."""
    if fd is not None and path:
        os.close(fd)
        os.unlink(path)


def _export(app, number: str, out: str | None) -> int:
    from shared.services import subject

    fd = _create(out) if out else None  # before anything is read: an existing file stops it here
    try:
        doc = subject.export_number(app.ports, number, datetime.now(timezone.utc))
    except BaseException:
        _discard(fd, out)
        raise
    if doc is None:
        _discard(fd, out)
        print(f"subject export: Tumbuh holds nothing about {number}; nothing exported, nothing changed",
              file=sys.stderr)
        return 0
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fd is None:
        sys.stdout.write(text)
        return 0
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    print(json.dumps({"number": number, "out": out, "children": len(doc["children"]),
                      "measurements": sum(len(c["measurements"]) for c in doc["children"]),
                      "claims": len(doc["claims"]), "audit_entries": len(doc["audit"])}, indent=2))
    return 0


def _delete(app, number: str, confirm: bool) -> int:
    from shared.services import subject

    counts = subject.holdings(app.ports, number).counts()
    if not any(counts.values()):
        print(f"subject delete: Tumbuh holds nothing to delete about {number}; nothing changed", file=sys.stderr)
        return 0
    if not confirm:
        print(json.dumps({"number": number, "would_delete": counts, "notes": list(DELETE_NOTES)}, indent=2))
        print("subject delete: nothing deleted; run again with --confirm to delete it", file=sys.stderr)
        return 2
    deleted = subject.erase_number(app.ports, number)
    print(json.dumps({"number": number, "deleted": {
        "family": int(deleted["guardian_id"] is not None), "children": len(deleted["child_ids"]),
        "measurements": deleted["measurements"], "claim_refusal": deleted["refusals"],
        # These go with the family (foreign keys) and with the number; counted just before.
        **{k: counts[k] for k in ("reminders", "messages_sent", "messages_waiting", "conversation")},
        "sheet_deletions_queued": len(deleted["sheets"])}, "notes": list(DELETE_NOTES)}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _live_stores()
    setup_logging(os.environ.get("LOG_LEVEL", "WARNING"), sys.stderr)  # stdout carries the data
    from shared.bootstrap import build_app

    try:
        app = build_app()
        if args.command == "export":
            return _export(app, args.number, args.out)
        return _delete(app, args.number, args.confirm)
    except FileExistsError as exc:
        print(f"subject {args.command}: {exc.filename} exists; name a new file", file=sys.stderr)
        return 1
    except AppError as exc:
        print(f"subject {args.command}: {exc} (set DATABASE_URL and REDIS_URL, or start `make run`)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
