"""Reminders at district scale: 100,000 families and 150,000 children on the real local PostgreSQL.

    scripts/services.sh run -- .venv/bin/python bench/reminders.py [--families 100000] [--children 150000]
        [--cap 80] [--messages 800]

Needs DATABASE_URL and REDIS_URL (scripts/services.sh sets them). Printed, never asserted:
- plan: every child's reminders found and stored (the planner's batches run until none is left), against the
  baseline of reading the same children's rows with the planner's query alone, in this run; targets: under 10 s,
  and the peak memory of the run (the planner holds one batch at a time).
- send: `--messages` reminders due now, decided and sent to the local Graph API stand-in by the scheduler's sender at
  `--cap` messages a second; the achieved rate as a share of the cap (target: at least 90 %, never above 100 %).
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import free_port, wait_ready  # noqa: E402
from shared.adapters.postgres import PostgresRecords, migrate, url_connector  # noqa: E402
from shared.adapters.redis_store import RedisConversations  # noqa: E402
from shared.adapters.whatsapp_cloud import WhatsAppCloudMessenger  # noqa: E402
from shared.config import LOCAL_PHONE_NUMBER_ID, LOCAL_SECRET  # noqa: E402
from shared.ports import Ports  # noqa: E402
from shared.services import reminders  # noqa: E402
from shared.services.delivery import Pace, deliver_due  # noqa: E402

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB, a Monday


def seed(records: PostgresRecords, families: int, children: int) -> None:
    """Families, children (0-59 months), 200 posyandu with their days, one measurement a child in the last 2 months."""
    records.run("INSERT INTO posyandu (name, village, day_of_month) SELECT 'Posyandu ' || i, 'Desa ' || i, "
                "1 + mod(i, 28) FROM generate_series(1, 200) i")
    records.run("INSERT INTO guardians (wa_id, language, consent_version, consent_at, last_inbound_at) "
                "SELECT (628100000000 + i)::text, 'id', 'bench', now(), now() - interval '40 days' "
                "FROM generate_series(1, %s) i", (families,))
    records.run("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) "
                "SELECT 1 + mod(i, %s), 'Anak ' || i, CASE WHEN mod(i, 2) = 0 THEN 'F' ELSE 'M' END, "
                "%s::date - (mod(i * 37, 1800))::int, 1 + mod(i, 200) FROM generate_series(1, %s) i",
                (families, TODAY, children))
    records.run("INSERT INTO measurements (child_id, measured_on, weight_kg, source, source_ref, assessment) "
                "SELECT id, %s::date - (1 + mod(id * 13, 60))::int, 9.5, 'whatsapp', 'bench:' || id, "
                "json_build_object('tier', (ARRAY['routine', 'routine', 'soon', 'today'])[1 + mod(id, 4)]) "
                "FROM children", (TODAY,))
    records.run("ANALYZE")


def bench_plan(records: PostgresRecords, children: int) -> None:
    start = time.perf_counter()
    records.run("SELECT c.id, c.guardian_id, c.birth_date, lm.measured_on, lm.assessment->>'tier' FROM children c "
                "JOIN guardians g ON g.id = c.guardian_id LEFT JOIN LATERAL (SELECT measured_on, assessment "
                "FROM measurements m WHERE m.child_id = c.id ORDER BY measured_on DESC, id DESC LIMIT 1) lm ON true")
    base_s = time.perf_counter() - start
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    planned = stored = 0
    while True:
        done = reminders.plan(records, TODAY, "Asia/Jakarta")
        if not done["children"]:
            break
        planned += done["children"]
        stored += done["new"]
    plan_s = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"plan: {planned} of {children} children planned, {stored} reminders stored")
    print(f"  baseline, reading the children with their latest measurement: {base_s:.2f} s")
    print(f"  the planner, batch after batch:                             {plan_s:.2f} s  (target: under 10 s)")
    print(f"  ratio planner/baseline: {plan_s / base_s:.1f}; peak memory of this process {rss_after / 1024:.0f} MB "
          f"(+{(rss_after - rss_before) / 1024:.0f} MB while planning)")


def bench_send(records: PostgresRecords, redis_url: str, cap: float, messages: int) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "shared.adapters.local.graph_standin", "--port", str(port),
                             "--token", LOCAL_SECRET, "--phone-number-id", LOCAL_PHONE_NUMBER_ID,
                             "--media-dir", str(REPO / ".run" / "bench-media")], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + "/_standin/health", proc, 30, "bench")
        records.run("UPDATE reminders SET send_after = %s WHERE id IN (SELECT id FROM reminders ORDER BY id LIMIT %s)",
                    (NOW - timedelta(minutes=1), messages))
        records.run("UPDATE reminders SET send_after = %s WHERE send_after < %s AND id NOT IN (SELECT id FROM "
                    "reminders ORDER BY id LIMIT %s)", (NOW + timedelta(days=30), NOW, messages))
        ports = Ports(records, RedisConversations(redis_url),
                      WhatsAppCloudMessenger(f"{base}/v21.0", LOCAL_SECRET, LOCAL_PHONE_NUMBER_ID),
                      send_rate_per_s=cap)
        decided = 0
        while True:
            step = reminders.send_due(ports, NOW, limit=1000)
            decided += step["queued"]
            if not step["queued"] and not step["waiting"] and not step["cancelled"]:
                break
        start = time.perf_counter()
        sent = deliver_due(replace(ports), NOW, budget_s=3600, pace=Pace(cap))
        took = time.perf_counter() - start
        rate = (sent - 1) / took  # n sends are n - 1 gaps: the first goes at once
        print(f"send: {decided} reminders queued, {sent} sent to the Graph API stand-in in {took:.1f} s")
        print(f"  {rate:.1f} messages/s at a cap of {cap:g}: {100 * rate / cap:.0f} % of the cap "
              "(target: at least 90 %, never above 100 %)")
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--children", type=int, default=150_000)
    parser.add_argument("--cap", type=float, default=80.0)
    parser.add_argument("--messages", type=int, default=800)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL") or sys.exit("bench: DATABASE_URL is not set (run it inside services.sh)")
    redis_url = os.environ.get("REDIS_URL") or sys.exit("bench: REDIS_URL is not set (run it inside services.sh)")
    records = PostgresRecords(url_connector(url))
    migrate(records)
    if records.run("SELECT count(*) FROM children")[0][0]:
        sys.exit("bench: the database already has children; run it on a fresh one (services.sh gives one)")
    start = time.perf_counter()
    seed(records, args.families, args.children)
    print(f"seeded {args.families} families and {args.children} children in {time.perf_counter() - start:.1f} s")
    bench_plan(records, args.children)
    bench_send(records, redis_url, args.cap, args.messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
