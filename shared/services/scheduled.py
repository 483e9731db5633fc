"""Work fired by Cloud Scheduler: reminders, outbox flush, Sheet reconcile, nightly backup.

Each capability lands with its own issue; until then each run checks its stores and reports what is pending,
so an operator can see the jobs fire end to end.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def run_due(app) -> tuple[dict, int]:
    """One scheduler tick: answer 200 with a summary when the stores answer, 503 (retry) when they do not."""
    health = app.health()
    if not health["ok"]:
        return {"ok": False, "health": health}, 503
    pending = app.records.run("SELECT count(*) FROM outbox WHERE done_at IS NULL")[0][0]
    summary = {"ok": True, "health": health, "outbox_pending": pending, "ran": []}
    log.info("scheduler tick", extra={"ctx": {"outbox_pending": pending}})
    return summary, 200


def run_backup(app) -> tuple[dict, int]:
    """The nightly backup: not built yet, so it answers 501 and does nothing (Scheduler shows it failing)."""
    health = app.health()
    log.warning("backup requested but not built yet", extra={"ctx": {"health": health}})
    return {"ok": False, "health": health, "error": "backup is not built yet"}, 501
