"""Dashboard pages at district scale: 100 posyandu and 20,000 children with a year of weighings, on the real local
PostgreSQL, against a hello-world function in the same run.

    scripts/services.sh run -- .venv/bin/python bench/dashboard.py [--children 20000] [--posyandu 100] [-n 200]

Needs DATABASE_URL and REDIS_URL (scripts/services.sh sets them to a throwaway PostgreSQL and Redis). Seeded with
SQL (generate_series, a few seconds): the posyandu (ten kecamatan, one kabupaten), one consented parent a child,
children of 0-59 months, a weighing a month over the last 12 months with about one month in ten missed, and one
admin without a home posyandu, whose scope is every posyandu. The stored assessments are simple JSON made in SQL,
with the fields the pages read (tier, findings, age, categories and flags, gain): this measures page time, not
clinical output (the real growth engine's output is what scripts/demo_dashboard.py stores).

The script starts, on free 127.0.0.1 ports, functions/dashboard (functions-framework CLI, as scripts/dev.py does)
and a hello-world functions-framework function under the same gunicorn settings: the baseline, what
functions-framework itself costs on this machine. The admin's session is a staff_sessions row with its cookie
minted by shared.dashboard.session.issue under DASHBOARD_KEY (the sign-in itself is not measured). After a
warm-up, N requests to each of "/" (Hari ini: the 200 most urgent children of the district), "/posyandu" (every
posyandu's month, once the page exists) and the hello-world route, one after the other in turns, on one keep-alive
connection each. Printed, never asserted: p50/p95/p99 of the HTTP round trip on loopback (the server's time plus a
fraction of a millisecond), p95 as a ratio to hello-world's, and the target: p95 under 200 ms for both pages.
"""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import (HOST, Servers, free_port, functions_framework, machine_busy_seconds,  # noqa: E402
                             server_env, wait_ready, warn_if_busy)

TARGET_P95_MS = 200.0
WARM_UP = 20  # requests to each route before measuring: connections opened, templates compiled, plans cached
PAGES = (("Hari ini", "/"), ("Posyandu", "/posyandu"))
TZ = "Asia/Jakarta"

HELLO_SOURCE = '''"""Hello-world baseline for bench/dashboard.py: functions-framework and nothing else."""
import functions_framework


@functions_framework.http
def hello(request):
    return "ok"
'''


def seed(records, posyandu: int, children: int, today) -> int:
    """The district: posyandu, parents, children, a year of monthly weighings, one admin; returns the admin's id."""
    records.run("INSERT INTO posyandu (name, village, district, regency, puskesmas, day_of_month) "
                "SELECT 'Posyandu ' || i, 'Desa ' || i, 'Kecamatan ' || (1 + mod(i, 10)), 'Kabupaten Bench', "
                "'Puskesmas ' || (1 + mod(i, 10)), 1 + mod(i, 28) FROM generate_series(1, %s) i", (posyandu,))
    records.run("INSERT INTO guardians (wa_id, language, consent_version, consent_at) "
                "SELECT (628100000000 + i)::text, 'id', 'bench', now() FROM generate_series(1, %s) i", (children,))
    records.run("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id) "
                "SELECT g.id, 'Anak ' || g.id, CASE WHEN mod(g.id, 2) = 0 THEN 'F' ELSE 'M' END, "
                "%s::date - mod(g.id * 37, 1800)::int, 1 + mod(g.id, %s) FROM guardians g", (today, posyandu))
    # One weighing a month, about one in ten missed; tiers about 70 % routine, 20 % soon, 8 % today, 2 % now.
    records.run(
        "WITH w AS (SELECT c.id AS child_id, c.birth_date, "
        "  %(today)s::date - (k * 30 + mod(c.id, 28))::int AS on_day, mod(c.id * 7 + k * 13, 100) AS r "
        "  FROM children c CROSS JOIN generate_series(0, 11) k WHERE mod(c.id * 3 + k, 10) <> 0) "
        "INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, source, source_ref, "
        "  assessment) "
        "SELECT child_id, on_day, 4 + (on_day - birth_date) / 150.0, 50 + (on_day - birth_date) / 30.0, "
        "  CASE WHEN on_day - birth_date < 731 THEN 'l' ELSE 'h' END, 'whatsapp', "
        "  'bench:' || child_id || ':' || on_day, json_build_object("
        "  'age_days', on_day - birth_date, 'age_months', (on_day - birth_date) / 30.4375, "
        "  'tier', CASE WHEN r < 2 THEN 'now' WHEN r < 10 THEN 'today' WHEN r < 30 THEN 'soon' ELSE 'routine' END, "
        "  'findings', CASE WHEN r < 10 THEN json_build_array('severely_underweight', 'stunted') "
        "    WHEN r < 30 THEN json_build_array('stunted') ELSE json_build_array() END, "
        "  'bgm', r < 10, 'oedema', false, "
        "  'length_for_age', json_build_object('z', -1.0, 'flag', false, 'category', "
        "    CASE WHEN r < 22 THEN 'stunted' ELSE 'normal' END), "
        "  'weight_for_age', json_build_object('z', -1.0, 'flag', false, 'category', "
        "    CASE WHEN r < 10 THEN 'severely_underweight' WHEN r < 16 THEN 'underweight' ELSE 'normal' END), "
        "  'weight_for_length', json_build_object('z', -0.5, 'flag', false, 'category', "
        "    CASE WHEN r < 3 THEN 'severely_wasted' WHEN r < 8 THEN 'wasted' ELSE 'normal' END), "
        "  'gain', CASE WHEN on_day - birth_date < 60 THEN NULL ELSE json_build_object("
        "    'code', CASE WHEN r < 25 THEN 'T' ELSE 'N' END, 'two_t', r < 5) END) "
        "FROM w WHERE on_day >= birth_date", {"today": today})
    admin = records.run("INSERT INTO staff (wa_id, name, role) VALUES ('6281300009999', 'Admin', 'admin') "
                        "RETURNING id")[0][0]
    # Settled tables, as a day-old district's are (autovacuum would otherwise do it while the pages are measured).
    records.run("VACUUM (ANALYZE)")
    return admin


def session_cookie(records, staff_id: int, dashboard_key: str) -> str:
    """A signed-in admin's cookies: a live staff_sessions row and its JWT, as the sign-in would have made them."""
    from shared.dashboard import session
    from shared.ports import StaffSession

    now = datetime.now(timezone.utc)
    row = StaffSession(secrets.token_urlsafe(32), staff_id, now + timedelta(hours=12))
    records.run("INSERT INTO staff_sessions (id, staff_id, expires_at) VALUES (%s, %s, %s)",
                (row.id, row.staff_id, row.expires_at))
    token, _expires = session.issue(session.Keys.from_secret(dashboard_key), row, now)
    return f"{session.SESSION_COOKIE}={token}; {session.BROWSER_COOKIE}=bench"


class Client:
    """One keep-alive HTTP/1.1 connection; `get` returns (status, body bytes, seconds for the round trip)."""

    def __init__(self, port: int, cookie: str = ""):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.headers = {"Cookie": cookie} if cookie else {}

    def get(self, path: str) -> tuple[int, int, float]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            try:
                start = time.perf_counter()
                self.conn.request("GET", path, headers=self.headers)
                resp = self.conn.getresponse()
                body = resp.read()
                took = time.perf_counter() - start
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn closed the connection while it was idle (its keep-alive is short): reconnect once, and
                # time only the request that got through.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if resp.will_close:
                self.conn.close()
                self.conn = None
            return resp.status, len(body), took
        raise AssertionError("unreachable")


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posyandu", type=int, default=100)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("-n", "--requests", type=int, default=200, help="measured requests per route")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' log folder")
    args = parser.parse_args(argv)
    missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(n)]
    if missing:
        print(f"bench: {' and '.join(missing)} not set. Run it with real local stores:\n"
              "  scripts/services.sh run -- .venv/bin/python bench/dashboard.py", file=sys.stderr)
        return 2

    from shared.adapters.postgres import PostgresRecords, migrate, url_connector
    from shared.config import Settings

    settings = Settings.from_env()
    records = PostgresRecords(url_connector(os.environ["DATABASE_URL"]))
    migrate(records)
    if records.run("SELECT count(*) FROM children")[0][0]:
        sys.exit("bench: the database already has children; run it on a fresh one (services.sh gives one)")
    today = datetime.now(ZoneInfo(TZ)).date()
    t = time.perf_counter()
    admin = seed(records, args.posyandu, args.children, today)
    rows = records.run("SELECT count(*) FROM measurements")[0][0]
    print(f"bench: seeded {args.posyandu} posyandu, {args.children} children and {rows} measurements (12 months) "
          f"in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    stored = records.refresh_month_counts(today, 100_000)  # the months the page shows, as the scheduler's ticks store them
    print(f"bench: stored {stored} posyandu-months (the current month and the 13 before it) in {time.perf_counter() - t:.1f} s")
    cookie = session_cookie(records, admin, settings.dashboard_key)
    records.discard()

    warn_if_busy()  # other work on this machine skews every figure

    log_dir = Path(tempfile.mkdtemp(prefix="tumbuh-bench-dashboard-"))
    (log_dir / "hello").mkdir()
    (log_dir / "hello" / "main.py").write_text(HELLO_SOURCE)
    dashboard_port, hello_port = free_port(), free_port()
    gunicorn_env = {"WORKERS": "1", "THREADS": "8"}  # as deployed (Cloud Functions gen2: one worker)
    servers = Servers(log_dir)
    try:
        dashboard = servers.start("dashboard", functions_framework("dashboard", "dashboard", HOST, dashboard_port),
                                  server_env(**gunicorn_env))
        hello = servers.start("hello", functions_framework("hello", "hello", HOST, hello_port,
                                                           source=log_dir / "hello" / "main.py"),
                              server_env(**gunicorn_env))
        wait_ready(f"http://{HOST}:{dashboard_port}/healthz", dashboard)
        wait_ready(f"http://{HOST}:{hello_port}/", hello)

        routes = [("hello-world", "/", Client(hello_port))]
        for label, path in PAGES:
            client = Client(dashboard_port, cookie)
            status, size, _ = client.get(path)
            if status == 404:
                print(f"bench: {path} answers 404: the {label} page is not built yet; measuring the others")
                continue
            if status != 200:
                print(f"bench: {path} answers {status}, not 200 (signed out?); logs in {log_dir}", file=sys.stderr)
                args.keep_logs = True
                return 1
            print(f"bench: {label} ({path}) is {size / 1024:.0f} KB of HTML uncompressed")
            routes.append((label, path, client))
        for _label, path, client in routes:
            for _ in range(WARM_UP):
                client.get(path)

        times: dict[str, list[float]] = {label: [] for label, _, _ in routes}
        errors = 0
        b0, w0 = machine_busy_seconds(), time.perf_counter()
        for _ in range(args.requests):  # in turns, so that whatever else the machine does touches every route alike
            for label, path, client in routes:
                status, _size, took = client.get(path)
                errors += status != 200
                times[label].append(took * 1000)

        busy = (machine_busy_seconds() - b0) / (time.perf_counter() - w0)
        hello_p95 = pct(times["hello-world"], 95)
        print(f"\n{args.requests} requests per route after {WARM_UP} of warm-up, one keep-alive connection each; "
              "HTTP round trip on loopback (server time + < 1 ms), ms:")
        for label, path, _client in routes:
            lat = times[label]
            line = (f"  {label:<12} {path:<10} p50 {pct(lat, 50):7.1f}  p95 {pct(lat, 95):7.1f}  "
                    f"p99 {pct(lat, 99):7.1f}  p95/hello-world {pct(lat, 95) / hello_p95:6.1f}")
            if label != "hello-world":
                line += f"   target p95 < {TARGET_P95_MS:.0f} ms: {'MET' if pct(lat, 95) < TARGET_P95_MS else 'MISSED'}"
            print(line)
        print(f"errors (non-200): {errors} {'OK' if errors == 0 else 'NOT OK'}")
        print(f"caveat: client, both functions and PostgreSQL share this machine's {os.cpu_count()} cores "
              f"({busy:.2f} busy on average while measuring); requests are sequential, so this is one person's page "
              "time on an otherwise idle server, not a load test.")
        return 0 if errors == 0 else 1
    finally:
        servers.stop()
        if not args.keep_logs:
            for f in sorted(log_dir.rglob("*"), reverse=True):
                f.unlink() if f.is_file() else f.rmdir()
            log_dir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
