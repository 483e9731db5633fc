"""The nightly backup at district scale: 100,000 and 1,000,000 measurement rows from the real local PostgreSQL,
sealed into Cloud Storage (gcp-storage-emulator on loopback, on disk), and restored into an empty database.

    scripts/services.sh run -- .venv/bin/python bench/backup.py [--sizes 100000,1000000]

Needs DATABASE_URL and REDIS_URL (scripts/services.sh sets them), and psql (installed with PostgreSQL). For each
size N: a database of its own, migrated and seeded (N/500 posyandu, N/15 families, N/10 children, N measurements
with their stored assessment), then `python -m shared.backup run` and `restore` as their own processes, as an
operator runs them. Printed, never asserted:
- backup: rows per second of the backup's own work, timed inside run() as a warm function does it (every table's
  rows, as the manifest counts them, and the N measurements alone; the command end to end, start-up included, is
  printed beside it), MB of COPY text per second, sealed bytes, the command's peak memory; against the baseline
  of psql's bare
  `\\copy ... TO /dev/null` of the same tables, in this run. Targets: at least 100,000 rows/s; peak memory under
  150 MB, the same at both sizes.
- restore: rows per second and peak memory, into a new empty database (migrations included), against the baseline
  of psql's `\\copy ... FROM` of the same rows into an empty migrated database, in one transaction.
The restored database is checked against the original (row counts, and a hash of every measurement row).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pg8000.native

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.servers import BACKUP_TEST_BUCKET, start_storage_emulator  # noqa: E402
from shared.adapters.postgres import PostgresRecords, migrate, url_connector  # noqa: E402

SIZES = (100_000, 1_000_000)
TARGET_ROWS_PER_S = 100_000
TARGET_PEAK_MB = 150
SAME_WITHIN = 0.10  # peak memory counts as "the same at both sizes" within 10 %
# The seeded tables, parents before children (the order a restore must load them in); the others stay empty.
TABLES = ("posyandu", "guardians", "children", "measurements")
MB = 1_000_000


@dataclass
class Ran:
    """One command run to its end: wall time, exit code, what it printed, and its own peak memory."""

    seconds: float
    code: int
    out: str
    err: str
    peak_mb: float


def measured(cmd: list[str], env: dict[str, str]) -> Ran:
    """Run cmd and wait for it with wait4(), which reports the resources of that very child.

    Not getrusage(RUSAGE_CHILDREN): its ru_maxrss is the largest peak among every child this process has waited
    for so far (psql, the previous size's backup), so a run after a bigger one would report the bigger one's
    peak. wait4's ru_maxrss is the child's own (and its waited-for children's: the backup starts none)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
        out.seek(0)
        err.seek(0)
        return Ran(seconds, proc.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), usage.ru_maxrss * 1024 / MB)  # Linux: KiB


def find_psql() -> str:
    """The newest cluster's psql (the one services.sh runs), else the one on PATH."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/psql"), key=lambda p: int(Path(p).parts[-3].split(".")[0]))
    psql = found[-1] if found else shutil.which("psql")
    if not psql:
        sys.exit("bench: psql not found (it comes with PostgreSQL: scripts/services.sh install)")
    return psql


def psql_copy(psql: str, url: str, copies: list[str], one_transaction: bool = False) -> float:
    """Seconds psql takes to run these \\copy commands (a bare COPY: no work of ours)."""
    cmd = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url] + (["-1"] if one_transaction else [])
    for copy in copies:
        cmd += ["-c", copy]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"bench: psql failed: {done.stderr.strip()[-500:]}")
    return took


class Cluster:
    """The throwaway cluster's databases: made and dropped through its own database's URL."""

    def __init__(self, url: str):
        self.parts = urlsplit(url)
        self.admin = pg8000.native.Connection(self.parts.username or "postgres", host=self.parts.hostname,
                                              port=self.parts.port, password=self.parts.password,
                                              database=self.parts.path.lstrip("/") or None)
        self.made: list[str] = []

    def create(self, name: str) -> str:
        self.admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a crashed run's leftover
        self.admin.run(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return urlunsplit(self.parts._replace(path="/" + name))

    def drop_made(self) -> None:
        for name in reversed(self.made):
            try:
                self.admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # keep dropping the others
                print(f"bench: could not drop {name}: {exc}", file=sys.stderr)
        self.made.clear()


def _score(i: str, spread: int) -> str:
    """One z-score result as the assessment stores it, varied by the row number."""
    return (f"jsonb_build_object('z', round(((mod({i}, {spread}) - {spread // 2}) / 13.0)::numeric, 2), "
            f"'flag', false, 'category', (ARRAY['normal', 'normal', 'normal', 'at_risk', 'moderate'])"
            f"[1 + mod({i}, 5)], 'status', 'ok')")


def seed(url: str, n: int) -> dict[str, int]:
    """N measurements in a realistic shape: 10 per child (a monthly weighing), 1.5 children per family, 50
    children per posyandu; every row with its stored assessment (z-scores, gain, findings, tier)."""
    records = PostgresRecords(url_connector(url, timeout_s=3600))  # a million rows take longer than the default
    posyandu, children = max(n // 500, 1), max(n // 10, 1)
    families = max(children * 2 // 3, 1)
    records.run("INSERT INTO posyandu (name, village, district, regency, day_of_month) "
                "SELECT 'Posyandu Melati ' || i, 'Desa Sukamaju ' || i, 'Kecamatan ' || (1 + mod(i, 20)), "
                "'Kabupaten Bogor', 1 + mod(i, 28) FROM generate_series(1, %s) i", (posyandu,))
    records.run("INSERT INTO guardians (wa_id, language, consent_version, consent_at, last_inbound_at) "
                "SELECT (628120000000 + i)::text, CASE WHEN mod(i, 20) = 0 THEN 'en' ELSE 'id' END, 'v1', "
                "now() - mod(i, 700) * interval '1 day', now() - mod(i, 60) * interval '1 day' "
                "FROM generate_series(1, %s) i", (families,))
    records.run("INSERT INTO children (guardian_id, name, sex, birth_date, posyandu_id, sheet_synced_at) "
                "SELECT 1 + mod(i, %s), 'Anak ' || i, CASE WHEN mod(i, 2) = 0 THEN 'F' ELSE 'M' END, "
                "date '2021-01-01' + mod(i * 37, 900), 1 + mod(i, %s), now() FROM generate_series(1, %s) i",
                (families, posyandu, children))
    # Child ids are 1..children in a fresh database, so a row's child and birth date follow from its number.
    scores = ", ".join(f"'{name}', {_score('i', spread)}" for name, spread in (
        ("length_for_age", 61), ("weight_for_age", 53), ("weight_for_length", 47), ("bmi_for_age", 43),
        ("head_circumference_for_age", 41), ("arm_circumference_for_age", 37)))
    records.run(
        "INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, headc_cm, armc_cm, source, "
        "source_ref, flags, assessment, created_at, sheet_synced_at, review) "
        "SELECT cid, born + age, round((3.3 + age * 0.012 + mod(i, 9) * 0.05)::numeric, 2), "
        "round((50 + age * 0.045 + mod(i, 7) * 0.1)::numeric, 1), CASE WHEN age < 730 THEN 'l' ELSE 'h' END, "
        "CASE WHEN mod(i, 3) = 0 THEN round((34 + age * 0.01)::numeric, 1) END, "
        "CASE WHEN mod(i, 5) = 0 THEN round((12.5 + mod(i, 20) * 0.1)::numeric, 1) END, "
        "CASE WHEN mod(i, 4) = 0 THEN 'sheet' ELSE 'whatsapp' END, "
        "CASE WHEN mod(i, 4) = 0 THEN 'sheet:' || i ELSE 'wamid.HBgNNjI4' || upper(md5(i::text)) END, "
        "CASE WHEN mod(i, 97) = 0 THEN '{weight_jump}'::text[] ELSE '{}' END, "
        "jsonb_build_object('age_days', age, 'age_months', round(age / 30.4375, 1), 'bgm', false, "
        "  'oedema', false, 'measured_on', (born + age)::text, 'muac', NULL, 'concerns', '[]'::jsonb, "
        f"  {scores}, "
        "  'gain', CASE WHEN k = 0 THEN NULL ELSE jsonb_build_object('status', 'naik', 'code', 'N', "
        "    'gain_g', 250 + mod(i, 400), 'required_g', 400, 'two_t', false, 'large_loss', false, "
        "    'previous_on', (born + age - 30)::text) END, "
        "  'findings', CASE WHEN mod(i, 6) = 0 THEN '[\"underweight\"]'::jsonb ELSE '[]'::jsonb END, "
        "  'tier', (ARRAY['routine', 'routine', 'soon', 'today'])[1 + mod(i, 4)]), "
        "(born + age) + time '09:30', (born + age) + time '10:00', "
        "CASE WHEN mod(i, 97) = 0 THEN 'confirmed' END "
        "FROM (SELECT i, 1 + mod(i - 1, %s) AS cid, (i - 1) / %s AS k FROM generate_series(1, %s) i) s, "
        "LATERAL (SELECT date '2021-01-01' + mod((1 + mod(i - 1, %s)) * 37, 900) AS born, "
        "  30 * k + 15 + mod(i, 10) AS age) d",
        (children, children, n, children))
    return {t: int(records.run(f"SELECT count(*) FROM {t}")[0][0]) for t in TABLES}


def fingerprint(url: str) -> dict[str, int]:
    """Every seeded table's row count, and an order-free hash of every measurement row's text."""
    conn = pg8000.native.Connection(**_connect_args(url))
    try:
        out = {t: int(conn.run(f"SELECT count(*) FROM {t}")[0][0]) for t in TABLES}
        out["measurements hash"] = int(conn.run("SELECT coalesce(sum(hashtext(m::text)::bigint), 0) "
                                                "FROM measurements m")[0][0])
        return out
    finally:
        conn.close()


def _connect_args(url: str) -> dict:
    parts = urlsplit(url)
    return {"user": parts.username or "postgres", "host": parts.hostname, "port": parts.port,
            "password": parts.password, "database": parts.path.lstrip("/")}


def vacuum(url: str) -> None:
    """VACUUM ANALYZE, so that neither the baseline nor the backup pays for setting the fresh rows' hint bits."""
    conn = pg8000.native.Connection(**_connect_args(url))
    try:
        conn.run("VACUUM ANALYZE")
    finally:
        conn.close()


def backup_env(url: str, redis_url: str, storage_url: str, n: int, sheet_dir: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLOUD_SQL_INSTANCE", "K_SERVICE")}
    env.update(DATABASE_URL=url, REDIS_URL=redis_url, BACKUP_BUCKET=f"gs://{BACKUP_TEST_BUCKET}/bench-{n}",
               STORAGE_API_URL=storage_url, BACKUP_KEY=key, TUMBUH_ENV="local", LOG_LEVEL="WARNING",
               SHEET_DIR=sheet_dir, PYTHONDONTWRITEBYTECODE="1")
    return env


def _json(ran: Ran, what: str) -> dict:
    if ran.code:
        sys.exit(f"bench: {what} failed (exit {ran.code}): {ran.err.strip()[-1500:]}")
    return json.loads(ran.out)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def bench_size(cluster: Cluster, psql: str, redis_url: str, storage_url: str, n: int, work: Path) -> dict:
    print(f"\n== {n:,} measurement rows ==")
    url = cluster.create(f"bench_backup_{n}")
    migrate(PostgresRecords(url_connector(url)))
    start = time.perf_counter()
    counts = seed(url, n)
    vacuum(url)
    rows = sum(counts.values())
    print(f"seeded {', '.join(f'{c:,} {t}' for t, c in counts.items())} in {time.perf_counter() - start:.1f} s")

    # The backup's baseline: psql's bare COPY of the same tables to nowhere, after a warm-up read. os.sync() before
    # every timed step: the kernel's writing back of an earlier step's files must not land in the next one's time.
    to_null = [f"\\copy {t} TO '/dev/null'" for t in TABLES]
    psql_copy(psql, url, to_null)
    os.sync()
    base_s = psql_copy(psql, url, to_null)

    sheet_dir = work / "sheets"
    sheet_dir.mkdir()
    env = backup_env(url, redis_url, storage_url, n, str(sheet_dir), secrets.token_hex(20))
    floor = measured([sys.executable, "-m", "shared.backup", "list"], env)  # imports and a call, no data
    _json(floor, "backup list")
    os.sync()
    ran = measured([sys.executable, "-m", "shared.backup", "run"], env)
    summary = _json(ran, "backup run")
    if summary.get("done_before") or summary.get("rows") != rows:
        sys.exit(f"bench: the backup did not back up the {rows} rows seeded: {summary}")
    # The same tables' COPY text as files (untimed): their size is what the backup read, and the restore's baseline
    # loads them.
    files = {t: work / f"{t}.copy" for t in TABLES}
    psql_copy(psql, url, [f"\\copy {t} TO '{files[t]}'" for t in TABLES])
    plain = sum(f.stat().st_size for f in files.values())
    # The target is the backup's own work (snapshot, seal, upload, manifest, prune), timed inside run(): a warm
    # function instance does exactly that each night; the command's start-up (imports) is printed beside it and
    # measured for every entry point by bench/cold_start.py.
    rate, base_rate, command_rate = rows / summary["seconds"], rows / base_s, rows / ran.seconds
    print(f"backup: {rows:,} rows ({plain / MB:,.0f} MB of COPY text) -> {summary['bytes'] / MB:,.1f} MB sealed "
          f"({plain / summary['bytes']:.1f}x smaller), {summary['tables']} tables")
    print(f"  baseline, psql's bare \\copy TO /dev/null: {base_s:.2f} s, {base_rate:,.0f} rows/s, "
          f"{plain / MB / base_s:,.0f} MB/s")
    print(f"  the backup command:  {ran.seconds:.2f} s end to end, {command_rate:,.0f} rows/s "
          f"({command_rate / base_rate:.2f}x); of which {summary['seconds']:.2f} s inside run(), the rest start-up "
          "and exit")
    print(f"  backup: {rate:,.0f} rows/s = {rate / base_rate:.2f}x the bare COPY baseline, "
          f"{n / summary['seconds']:,.0f} measurement rows/s, {plain / MB / summary['seconds']:,.0f} MB/s "
          f"(target >= {TARGET_ROWS_PER_S:,} rows/s: {_met(rate >= TARGET_ROWS_PER_S)})")
    print(f"  peak memory of the command: {ran.peak_mb:.0f} MB (target < {TARGET_PEAK_MB} MB: "
          f"{_met(ran.peak_mb < TARGET_PEAK_MB)}); `backup list` alone, its imports and one call: "
          f"{floor.peak_mb:.0f} MB")

    # Restore into a new empty database; its baseline loads the same COPY text into an empty migrated one.
    copy_url = cluster.create(f"bench_backup_{n}_copy")
    migrate(PostgresRecords(url_connector(copy_url)))
    os.sync()
    restore_base_s = psql_copy(psql, copy_url, [f"\\copy {t} FROM '{files[t]}'" for t in TABLES],
                               one_transaction=True)
    for f in files.values():
        f.unlink()
    target = cluster.create(f"bench_backup_{n}_restored")
    os.sync()
    back = measured([sys.executable, "-m", "shared.backup", "restore", "--date", summary["date"],
                     "--database-url", target], env)
    restored = _json(back, "backup restore")
    back_rate, back_base_rate = restored["rows"] / back.seconds, rows / restore_base_s
    print(f"restore: {restored['rows']:,} rows into a new empty database (migrations included)")
    print(f"  baseline, psql's bare \\copy FROM into an empty migrated database: {restore_base_s:.2f} s, "
          f"{back_base_rate:,.0f} rows/s")
    print(f"  the restore command: {back.seconds:.2f} s ({restored['seconds']:.2f} s inside restore()), "
          f"{back_rate:,.0f} rows/s, {plain / MB / back.seconds:,.0f} MB/s")
    print(f"  restore: {back_rate:,.0f} rows/s = {back_rate / back_base_rate:.2f}x the bare COPY baseline; "
          f"peak memory {back.peak_mb:.0f} MB")
    original, copy = fingerprint(url), fingerprint(target)
    same = original == copy
    print(f"  restored database matches the original (counts and measurement rows' hash): "
          f"{'yes' if same else 'NO: ' + str({k: (original[k], copy.get(k)) for k in original})}")
    return {"n": n, "rows": rows, "backup_s": summary["seconds"], "command_s": ran.seconds, "backup_rate": rate,
            "backup_x": rate / base_rate,
            "backup_mb": ran.peak_mb, "restore_s": back.seconds, "restore_rate": back_rate,
            "restore_x": back_rate / back_base_rate, "restore_mb": back.peak_mb, "sealed_mb": summary["bytes"] / MB,
            "same": same}


def report(results: list[dict]) -> None:
    print("\nsummary (ratios are against psql's bare COPY of the same rows in this run)")
    print("backup s: the backup's own work, inside run(); command s: the process end to end (start-up included)")
    print(f"{'measurements':>12} {'rows':>10} | {'backup s':>8} {'command s':>9} {'rows/s':>9} {'x base':>6} "
          f"{'peak MB':>7} {'sealed MB':>9} | {'restore s':>9} {'rows/s':>9} {'x base':>6} {'peak MB':>7} | same")
    for r in results:
        print(f"{r['n']:>12,} {r['rows']:>10,} | {r['backup_s']:>8.2f} {r['command_s']:>9.2f} "
              f"{r['backup_rate']:>9,.0f} {r['backup_x']:>6.2f} {r['backup_mb']:>7.0f} {r['sealed_mb']:>9.1f} | {r['restore_s']:>9.2f} "
              f"{r['restore_rate']:>9,.0f} {r['restore_x']:>6.2f} {r['restore_mb']:>7.0f} | "
              f"{'yes' if r['same'] else 'NO'}")
    slowest = min(r["backup_rate"] for r in results)
    peak = max(r["backup_mb"] for r in results)
    print(f"target: backup >= {TARGET_ROWS_PER_S:,} rows/s at every size: {_met(slowest >= TARGET_ROWS_PER_S)} "
          f"(slowest {slowest:,.0f})")
    print(f"target: backup peak < {TARGET_PEAK_MB} MB: {_met(peak < TARGET_PEAK_MB)} (highest {peak:.0f} MB)")
    if len(results) > 1:
        low, high = min(r["backup_mb"] for r in results), peak
        sizes = ", ".join(f"{r['n']:,} -> {r['backup_mb']:.0f} MB" for r in results)
        print(f"target: backup peak the same at every size (within {SAME_WITHIN:.0%}): "
              f"{_met(high <= low * (1 + SAME_WITHIN))} ({sizes})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="measurement rows, comma-separated (default: %(default)s)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    url = os.environ.get("DATABASE_URL") or sys.exit("bench: DATABASE_URL is not set (run it inside services.sh)")
    redis_url = os.environ.get("REDIS_URL") or sys.exit("bench: REDIS_URL is not set (run it inside services.sh)")
    psql = find_psql()
    cluster = Cluster(url)
    results = []
    with tempfile.TemporaryDirectory(prefix="tumbuh-bench-backup-") as tmp:
        # On disk: the emulator's memory is not the backup's, and a million rows' objects do not fill its RAM.
        proc, storage_url = start_storage_emulator(str(Path(tmp) / "storage"))
        try:
            for n in sizes:
                work = Path(tmp) / f"work-{n}"
                work.mkdir()
                try:
                    results.append(bench_size(cluster, psql, redis_url, storage_url, n, work))
                finally:
                    cluster.drop_made()  # a million rows' three databases: gone before the next size
                    shutil.rmtree(work)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            cluster.admin.close()
    report(results)
    print(json.dumps({"note": "figures from one run on this machine; compare ratios, not seconds"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
