"""The Sheet bridge under load: 10,000 pending measurements flushed, and a kader's 30-row posyandu day reconciled.

    scripts/services.sh run -- .venv/bin/python bench/sheet.py [--measurements 10000] [--day 30]

Needs DATABASE_URL (scripts/services.sh sets it) and node. Serves the real apps_script/ code with the web-app
stand-in (apps_script/test/webapp_standin.js: the 302 dance, the fakes of SpreadsheetApp) and sets up a posyandu's
spreadsheet with the real setup payload. Printed, never asserted:
- flush: Tumbuh's scheduler flushing N pending measurements from the outbox (PostgreSQL reads, rows built, the
  bridge's calls, the Rekap) against the baseline of the bridge alone writing the same rows, already built, into a
  spreadsheet set up the same way (no database), both in this run; calls made, rows per second, and the ratio.
- reconcile: a posyandu day of D children, every row's weight changed by the kader in the Sheet, taken back by
  the reconcile (read, compare, validate, reassess, audit, notes queued) against the baseline of reading the tab.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import start_apps_script_standin  # noqa: E402
from shared.adapters.apps_script import AppsScriptBridge  # noqa: E402
from shared.adapters.postgres import PostgresRecords, migrate, url_connector  # noqa: E402
from shared.services import sheet_edits, sheet_setup, sheet_sync  # noqa: E402
from shared.sheet import layout, rows as sheet_rows, spec  # noqa: E402

SECRET = "bench-sheet-secret-0123456789abcdef"
KADER = "kader@posyandu.test"  # the Google account the spreadsheet is shared with, who types in it
TODAY = date(2025, 3, 10)
HEADERS = [c.header for c in layout.MEASUREMENT_DATA]


def posts(root: str) -> int:
    return requests.get(f"{root}/_standin/stats", timeout=5).json()["posts"]


def new_posyandu(records: PostgresRecords, bridge: AppsScriptBridge, name: str, children: int,
                 per_child: int) -> tuple[int, str]:
    """A posyandu with its spreadsheet set up, `children` children measured `per_child` times each, all pending."""
    pid = records.run("INSERT INTO posyandu (name, village) VALUES (%s, %s) RETURNING id",
                      (name, f"bench {time.time_ns()}"))[0][0]
    sid = sheet_setup.set_up(records, bridge, pid, editors=(KADER,))["spreadsheet_id"]
    records.run("UPDATE outbox SET done_at = now() WHERE done_at IS NULL")  # the empty register's rows: none
    records.run(
        "WITH c AS (INSERT INTO children (name, sex, birth_date, posyandu_id) SELECT 'Anak ' || i, "
        "  CASE WHEN mod(i, 2) = 0 THEN 'F' ELSE 'M' END, date '2022-01-01' + i, %s FROM generate_series(1, %s) i "
        "  RETURNING id), "
        "m AS (INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, source_ref) "
        "  SELECT c.id, date '2023-06-01' + 30 * k, 9 + k * 0.1, 75 + k * 0.5, 'h', 'whatsapp', "
        "  'bench:' || c.id || ':' || k FROM c, generate_series(1, %s) k RETURNING id, child_id) "
        "INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_upsert', "
        "  json_build_object('child_id', child_id, 'measurement_id', id), 'measurement:' || id FROM m",
        (pid, children, per_child))
    return pid, sid


def bench_flush(records: PostgresRecords, bridge: AppsScriptBridge, root: str, total: int) -> None:
    per_child = 20
    _, sid = new_posyandu(records, bridge, "Flush", max(total // per_child, 1), per_child)
    pending = records.outbox_pending()
    # Baseline: the same rows, already built, written by the bridge alone into a spreadsheet of their own.
    built = records.run("SELECT m.id FROM measurements m JOIN children c ON c.id = m.child_id "
                        "JOIN posyandu p ON p.id = c.posyandu_id WHERE p.spreadsheet_id = %s ORDER BY m.id", (sid,))
    items = records.sheet_items([], [r[0] for r in built])
    data = [sheet_rows.measurement_row(m.measurement, m.child, m.entered_by, m.from_sheet) for m in items.measurements]
    other = bridge.setup(None, "Baseline", spec.tabs(), [])["spreadsheet_id"]  # the same tabs and formulas
    before = posts(root)
    start = time.perf_counter()
    bridge.upsert_rows(other, layout.MEASUREMENTS, HEADERS, data)
    base_s, base_calls = time.perf_counter() - start, posts(root) - before

    before = posts(root)
    start = time.perf_counter()
    flushed = 0
    while records.outbox_pending():
        flushed += sheet_sync.flush(records, bridge, TODAY)["rows"]
    flush_s, flush_calls = time.perf_counter() - start, posts(root) - before
    kept = len(bridge.read_rows(sid, layout.MEASUREMENTS, HEADERS))
    print(f"flush: {pending} pending outbox rows ({len(data)} measurements and their children) -> {kept} Sheet rows")
    print(f"  baseline, the bridge alone: {len(data)} rows in {base_calls} calls, {base_s:.2f} s, "
          f"{len(data) / base_s:,.0f} rows/s")
    print(f"  Tumbuh's flush:             {flushed} rows in {flush_calls} calls (Rekap included), {flush_s:.2f} s, "
          f"{flushed / flush_s:,.0f} rows/s")
    print(f"  ratio flush/baseline time:  {flush_s / base_s:.2f}  "
          f"(calls per 1,000 measurements: {1000 * flush_calls / len(data):.1f})")


def bench_reconcile(records: PostgresRecords, bridge: AppsScriptBridge, root: str, day: int) -> None:
    _, sid = new_posyandu(records, bridge, "Reconcile", day, 1)
    sheet_sync.flush(records, bridge, TODAY)
    weight = HEADERS.index(next(c.header for c in layout.MEASUREMENT_DATA if c.key == "weight_kg")) + 1
    for row in range(2, day + 2):  # the kader corrects every weight of the day, as typed in the Sheet
        typed = requests.post(f"{root}/_standin/edit", json={"spreadsheet_id": sid, "tab": layout.MEASUREMENTS,
                                                             "row": row, "column": weight, "values": ["10,2"],
                                                             "user": KADER}, timeout=30)
        if typed.status_code != 200:
            sys.exit(f"bench: the stand-in refused the kader's edit: {typed.status_code} {typed.text[:200]}")
    start = time.perf_counter()
    bridge.read_rows(sid, layout.MEASUREMENTS, HEADERS)
    base_s = time.perf_counter() - start
    before = posts(root)
    start = time.perf_counter()
    done = sheet_edits.reconcile(records, bridge, sid, TODAY)
    took_s, calls = time.perf_counter() - start, posts(root) - before
    print(f"reconcile: a {day}-row posyandu day, every weight corrected in the Sheet")
    print(f"  baseline, reading the tab:  {base_s * 1000:.0f} ms")
    print(f"  Tumbuh's reconcile:         {took_s * 1000:.0f} ms, {calls} calls, {done['taken']} rows taken "
          f"({took_s * 1000 / max(done['taken'], 1):.1f} ms a row)")
    print(f"  ratio reconcile/baseline:   {took_s / base_s:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=10_000)
    parser.add_argument("--day", type=int, default=30)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or sys.exit("bench: DATABASE_URL is not set (run it inside services.sh)")
    records = PostgresRecords(url_connector(url))
    migrate(records)
    try:
        proc, root = start_apps_script_standin({"TUMBUH_SECRET": SECRET})
    except RuntimeError as exc:  # NodeMissing included
        sys.exit(f"bench: {exc}")
    try:
        bridge = AppsScriptBridge(f"{root}/macros/s/BENCH/exec", SECRET, timeout_s=300)
        bench_flush(records, bridge, root, args.measurements)
        bench_reconcile(records, bridge, root, args.day)
    finally:
        proc.terminate()
        proc.wait(timeout=5)
    print(json.dumps({"note": "figures from one run on this machine; compare ratios, not seconds"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
