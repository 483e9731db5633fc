"""What the logs say, locally or from an export of Cloud Logging's JSON lines.

    .venv/bin/python -m shared.ops summary .run/logs/                  every function of the local run
    .venv/bin/python -m shared.ops summary .run/logs/ --since 1h       the last hour (30m, 2d, or an ISO time)
    .venv/bin/python -m shared.ops summary webhook.jsonl - --json      files, stdin (-); the summary as JSON

A folder gives its *.jsonl files (`make run` writes one per function; the .log files beside them repeat the same
lines among the servers' own output); a file is read whatever its name. Lines that are not JSON are counted and
skipped.
Prints the summary on stdout; exits 2 for a usage mistake or a path that does not exist or cannot be read.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from shared.ops.summary import parse_lines, parse_since, render, summarise

def log_files(path: Path) -> list[Path]:
    """The files to read for one path: a folder's *.jsonl files (sorted; not its subfolders), or the file itself."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix == ".jsonl")


def read_lines(paths: list[str]) -> Iterator[str]:
    """Every line of every path in turn ('-': stdin); undecodable bytes replaced, never fatal."""
    for given in paths:
        if given == "-":
            yield from sys.stdin
            continue
        for file in log_files(Path(given)):
            with open(file, encoding="utf-8", errors="replace") as lines:
                yield from lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["subject"]:  # a data-subject request needs the deployment's stores: imported only for it
        from shared.ops import subject

        return subject.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m shared.ops", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    summary = sub.add_parser("summary", help="messages, latency, results, replies, backlog, ... from JSON log lines")
    summary.add_argument("paths", nargs="+", metavar="PATH", help="a folder of *.jsonl, a file, or - (stdin)")
    summary.add_argument("--since", help="only lines from then on: 90s, 30m, 1h, 2d back, or an ISO time")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    sub.add_parser("subject", help="a family's data by WhatsApp number: export, or delete as HAPUS does "
                                   "(see subject.py)")
    args = parser.parse_args(argv)
    since = None
    if args.since:
        try:
            since = parse_since(args.since, datetime.now(timezone.utc))
        except ValueError:
            parser.error(f"--since {args.since!r}: give 90s, 30m, 1h, 2d or an ISO time such as 2026-12-27T09:00+07:00")
    missing = [p for p in args.paths if p != "-" and not Path(p).exists()]
    if missing:
        print(f"summary: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        result = summarise(parse_lines(read_lines(args.paths)), since)
    except OSError as exc:  # unreadable (permissions, a folder that went away meanwhile)
        print(f"summary: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
