"""Setting up a posyandu's spreadsheet: its tabs, formulas and WHO tables (shared.sheet.spec), its staff, and its
whole register queued for the mirror. Idempotent: running it again completes what is missing and changes nothing
else; the spreadsheet's id is recorded with the posyandu, and the next scheduler run fills it.
"""
from __future__ import annotations

import logging

from shared.flows.messages import render
from shared.ports import Records, SheetSync
from shared.services import sheet_sync
from shared.sheet import spec
from shared.sheet.rows import SHEET_LANGUAGE

log = logging.getLogger(__name__)


def set_up(records: Records, sheets: SheetSync, posyandu_id: int, editors: tuple[str, ...] = (),
           spreadsheet_id: str | None = None) -> dict:
    """Create (or complete) the posyandu's spreadsheet, or adopt `spreadsheet_id` (one shared by a puskesmas's
    posyandu); returns {"spreadsheet_id", "url", "trigger", "queued"}."""
    known = {pid: (name, sid) for pid, name, sid in records.posyandu_sheets()}
    if posyandu_id not in known:
        raise LookupError(f"no posyandu {posyandu_id}")
    name, current = known[posyandu_id]
    title = render("sheet_title", SHEET_LANGUAGE, posyandu=name)
    made = sheets.setup(spreadsheet_id or current, title, spec.tabs(), list(editors),
                        create_key=f"posyandu:{posyandu_id}")
    sid = made["spreadsheet_id"]
    queued = records.set_spreadsheet(posyandu_id, sid)
    sheet_sync.write_staff(records, sheets, sid)
    log.info("posyandu sheet set up", extra={"ctx": {"posyandu_id": posyandu_id, "queued": queued,
                                                     "trigger": made.get("trigger")}})
    return {"spreadsheet_id": sid, "url": made.get("url", ""), "trigger": bool(made.get("trigger")),
            "queued": queued}


def set_up_missing(records: Records, sheets: SheetSync, editors: tuple[str, ...] = ()) -> list[int]:
    """Set up a spreadsheet for every posyandu that has none (the local run does this on each tick), shared with
    `editors`; returns their ids."""
    missing = [pid for pid, _, sid in records.posyandu_sheets() if not sid]
    for pid in missing:
        set_up(records, sheets, pid, editors)
    return missing
