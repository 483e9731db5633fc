"""Demo data for the local run: a posyandu with a kader and a bidan, so kader mode can be tried in the simulator.

    python scripts/demo.py [--kader 6281300000009] [--bidan 6281300000008]   # or: make demo-kader [KADER=...]

Writes to DATABASE_URL when it is set, else to the database of the running `make run` (found through
.run/running.json). Running it again adds nothing: what is already there is named and left as it is. The
numbers are made up, like the simulator's; the audit log records the staff rows with the actor 'demo'.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import running  # noqa: E402
from shared.adapters.postgres import PostgresRecords, migrate, url_connector  # noqa: E402

KADER = "6281300000009"
BIDAN = "6281300000008"
POSYANDU = ("Melati", "Sukamaju", "Cibeber")  # name, village (desa), district (kecamatan)
KADER_NAME, BIDAN_NAME = "Siti", "Rina"
WA_ID = re.compile(r"^[0-9]{6,15}\Z")  # what the webhook accepts as a sender (E.164 without '+')


def database_url(explicit: str = "") -> str:
    """The database to write to: the flag, DATABASE_URL, or the running `make run`'s; exits when there is none."""
    url = explicit or os.environ.get("DATABASE_URL", "")
    if not url:
        url = (running.current() or {}).get("database_url", "")
    if not url:
        raise SystemExit(f"demo: no database: start `make run` first (it lists itself in {running.run_file()}), "
                         "or set DATABASE_URL")
    return url


def add_demo(records: PostgresRecords, kader: str, bidan: str) -> list[str]:
    """Add the demo posyandu and its kader and bidan where missing; one line per row, saying added or found."""
    records.run("SELECT set_config('tumbuh.actor', 'demo', false)")  # the staff trigger's audit entries name us
    name, village, district = POSYANDU
    added = records.run("INSERT INTO posyandu (name, village, district) VALUES (%s, %s, %s) "
                        "ON CONFLICT (name, village, district) DO NOTHING RETURNING id", POSYANDU)
    posyandu_id = added[0][0] if added else records.run(
        "SELECT id FROM posyandu WHERE name = %s AND village = %s AND district = %s", POSYANDU)[0][0]
    lines = [f"{'added' if added else 'found'} posyandu {name} ({village}, {district}), id {posyandu_id}"]
    for wa_id, person, role in ((kader, KADER_NAME, "kader"), (bidan, BIDAN_NAME, "bidan")):
        inserted = records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) "
                               "ON CONFLICT (wa_id) DO NOTHING RETURNING id", (wa_id, person, role, posyandu_id))
        if inserted:
            lines.append(f"added {role} {person} {wa_id} to posyandu {name}")
            continue
        # Already listed: say as what, and change nothing (it may be someone's own set-up).
        role_now, name_now, active, place = records.run(
            "SELECT s.role, s.name, s.active, coalesce(p.name, '-') FROM staff s "
            "LEFT JOIN posyandu p ON p.id = s.posyandu_id WHERE s.wa_id = %s", (wa_id,))[0]
        note = "" if active else ", inactive"
        lines.append(f"found {role_now} {name_now} {wa_id} (posyandu {place}{note}); left as it is")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kader", default=KADER, help=f"the kader's WhatsApp number (default {KADER})")
    parser.add_argument("--bidan", default=BIDAN, help=f"the bidan's WhatsApp number (default {BIDAN})")
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL, else the running `make run`'s")
    args = parser.parse_args(argv)
    for number in (args.kader, args.bidan):
        if not WA_ID.match(number):
            parser.error(f"{number!r} is not a WhatsApp number: 6 to 15 digits, country code first (62...)")
    if args.kader == args.bidan:
        parser.error("the kader and the bidan need different numbers")
    records = PostgresRecords(url_connector(database_url(args.database_url)))
    try:
        migrate(records)  # a no-op on a running `make run`; a fresh database gets its tables
        for line in add_demo(records, args.kader, args.bidan):
            print("demo: " + line)
    finally:
        records.discard()
    print("demo: talk as the kader (MENU shows the kader menu) in another terminal, while `make run` is up:")
    print(f"  .venv/bin/python scripts/simulator.py --wa-id {args.kader}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
