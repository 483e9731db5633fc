"""Run one scheduler tick now, as Cloud Scheduler would, against the configured stores (locally: those of a running
`make run`/`make serve` when DATABASE_URL and REDIS_URL are not set, found through .run/running.json).

    .venv/bin/python -m shared.scheduler tick [--now 2026-12-27T09:00+07:00]

--now pretends another moment for what the tick decides (which reminders are due, local daytime); the outbox's own
retry schedule follows the database's clock. Prints the tick's summary as JSON; exits 1 when the stores are down.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone

from shared.bootstrap import build_app
from shared.errors import AppError
from shared.logs import setup_logging
from shared.services import scheduled


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-27T09:00+07:00")
    return moment.astimezone(timezone.utc)


def _local_run_env() -> None:
    """Point at the running `make run` when no store is configured (its run file names them)."""
    from scripts import running  # a developer's tool: only when run from a checkout

    running.use_live_stores()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tick = sub.add_parser("tick", help="run one scheduler tick now")
    tick.add_argument("--now", type=_when, help="pretend this moment (ISO 8601 with its time zone)")
    args = parser.parse_args(argv)
    _local_run_env()
    setup_logging(os.environ.get("LOG_LEVEL", "INFO"), sys.stderr)  # stdout carries the summary (JSON)
    try:
        app = build_app()
        summary, status = scheduled.run_due(app, args.now)
    except AppError as exc:
        print(f"tick: {exc} (start `make run`, or set DATABASE_URL and REDIS_URL)", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2, default=str))
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
