"""Demo data for the dashboard: Posyandu Kenanga with a bidan, a kader and a year of made-up children.

    python scripts/demo_dashboard.py [--database-url URL]   # or: make demo-dashboard (with `make run` up)

Writes to DATABASE_URL when it is set, else to the database of the running `make run` (found through
.run/running.json, as scripts/demo.py does). About 60 children of 0-59 months, weighed at the posyandu's monthly
day over the last 12 months with some months missed; their lengths and weights are drawn around WHO 2006 z-scores
so that a realistic share is stunted, wasted or underweight, and two carry danger values (severe wasting, oedema).
Each measurement is assessed as a kader's WhatsApp entry is (shared.services.assessing.assess: z-scores, weight
gain, the advice matrix, against the child's earlier rows) and stored with the records' own record_measurement.

Seeded: the same names, values and missed months every time (the dates count back from today). Running it again
adds nothing: a Kenanga that already has children is left as it is. Names are common Indonesian given names put
together at random and the numbers are made up; the audit log names the actor 'demo'.
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import running  # noqa: E402
from scripts.demo import database_url  # noqa: E402
from shared.adapters.postgres import PostgresRecords, migrate, url_connector  # noqa: E402
from shared.domain import growth  # noqa: E402
from shared.domain.growth import tables, zscore  # noqa: E402
from shared.domain.model import Child, Measurement  # noqa: E402
from shared.ports import UnitOfWork  # noqa: E402
from shared.services import assessing  # noqa: E402
from shared.services.conversation import CONSENT_VERSION  # noqa: E402

SEED = 16  # issue 16
POSYANDU = {"name": "Posyandu Kenanga", "village": "Mekarsari", "district": "Cibeber", "regency": "Cianjur",
            "puskesmas": "Puskesmas Cibeber"}
DAY_OF_MONTH = 12  # the posyandu's weighing day
BIDAN, KADER = "6281300000018", "6281300000019"
BIDAN_NAME, KADER_NAME = "Wulan", "Sri"
PARENT_BASE = 6281299900000  # made-up parents' numbers: PARENT_BASE + the child's index
CHILDREN = 60
MONTHS = 12
TZ = "Asia/Jakarta"
GIRLS = ("Siti", "Putri", "Aisyah", "Nur", "Dewi", "Ayu", "Fitri", "Rahma", "Nabila", "Zahra", "Salsabila", "Anisa",
         "Kirana", "Intan")
BOYS = ("Muhammad", "Ahmad", "Rizki", "Fajar", "Dimas", "Bayu", "Arif", "Rafi", "Galih", "Yusuf", "Aditya", "Bagas",
        "Ilham", "Gilang")
NO_NUMBER_SHARE = 0.15  # registered by the kader without a parent's number
MISSED_SHARE = 0.15  # a month not weighed
SOURCE_REF = "demo-dashboard:{child}:{on}"  # one measurement per child and day, whatever the run


@dataclass(frozen=True)
class Plan:
    """One made-up child: who, and the z-scores its measurements are drawn around."""

    index: int
    name: str
    sex: str
    born: date
    haz: float  # length/height-for-age
    whz: float  # weight-for-length/height
    danger: str | None  # "severely_wasted" or "oedema" at the latest visits


def visit_days(today: date) -> list[date]:
    """The posyandu's days of the last MONTHS months, oldest first, the latest on or before today."""
    day = DAY_OF_MONTH
    year, month = today.year, today.month
    if today.day < day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    days = []
    for _ in range(MONTHS):
        days.append(date(year, month, day))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return days[::-1]


def plans(rng: random.Random, today: date) -> list[Plan]:
    """The children: unique names, ages 0-59 months today, z-scores around Indonesia's recent survey shares."""
    out, names = [], set()
    for i in range(CHILDREN):
        sex = rng.choice("MF")
        pool = BOYS if sex == "M" else GIRLS
        name = " ".join(rng.sample(pool, 2))
        while name in names:
            name = " ".join(rng.sample(pool, 2))
        names.add(name)
        born = today - timedelta(days=rng.randint(10, 59 * 30))
        haz = min(2.5, max(-3.8, rng.gauss(-1.0, 1.1)))  # about one in five below -2 (stunted)
        whz = min(2.5, max(-2.9, rng.gauss(-0.4, 1.0)))  # about one in twenty below -2 (wasted)
        danger = {7: "severely_wasted", 23: "oedema"}.get(i)
        out.append(Plan(i, name, sex, born, haz, whz, danger))
    return out


def numbers_on(plan: Plan, on: date, haz: float, whz: float, last_basis: float | None) -> tuple[float, float, str,
                                                                                                  float]:
    """(weight kg, length/height cm, measure, lying-equivalent length) drawn at these z-scores on a day; the
    length never shrinks from one visit to the next, as a child's does not."""
    sex = 1 if plan.sex == "M" else 2
    age = (on - plan.born).days
    measure = "l" if age < 731 else "h"  # lying before two years, standing after (WHO, Juknis KMS)
    lhfa = tables.table("lhfa")
    i = age - lhfa.first_key
    lenhei = zscore.sd_value(haz, lhfa.l[sex - 1][i], lhfa.m[sex - 1][i], lhfa.s[sex - 1][i])
    basis = lenhei + (0.7 if measure == "h" else 0.0)
    if last_basis is not None and basis < last_basis + 0.2:
        basis = last_basis + 0.2
        lenhei = basis - (0.7 if measure == "h" else 0.0)
    lenhei = round(lenhei, 1)
    wfl = tables.table("wfl" if measure == "l" else "wfh")
    key = min(max(round(lenhei * 10), wfl.first_key), wfl.last_key) - wfl.first_key
    weight = round(zscore.sd_value(whz, wfl.l[sex - 1][key], wfl.m[sex - 1][key], wfl.s[sex - 1][key]), 1)
    return weight, lenhei, measure, basis


def add_child(uow: UnitOfWork, rng: random.Random, plan: Plan, posyandu_id: int, kader_id: int, today: date,
              now: datetime) -> list[dict]:
    """Register one child (with its consenting parent, most of the time) and store its year of weighings, each
    assessed by the growth engine against the rows before it; the stored assessments, oldest first."""
    guardian_id = None
    if rng.random() >= NO_NUMBER_SHARE or plan.danger:  # the most urgent children's families can be called
        guardian_id = uow.create_guardian(str(PARENT_BASE + plan.index), "id", CONSENT_VERSION, now).id
    child: Child = uow.add_child(guardian_id, plan.name, plan.sex, plan.born, registered_by=kader_id,
                                 posyandu_id=posyandu_id)
    days = [d for d in visit_days(today) if d >= plan.born + timedelta(days=3)]
    history: list[Measurement] = []  # newest first, as assessing expects
    stored, haz, wobble, basis = [], plan.haz, 0.0, None
    for n, on in enumerate(days):
        latest = n >= len(days) - 2  # the danger values are at the latest two visits, which their child attends
        haz += rng.gauss(0, 0.04)
        wobble = 0.6 * wobble + rng.gauss(0, 0.12)  # a month's illness or good appetite fades over the next ones
        whz_now = plan.whz + wobble
        if rng.random() < MISSED_SHARE and not (latest and plan.danger):
            continue
        oedema = False
        if plan.danger == "severely_wasted" and latest:
            whz_now = -3.4 + rng.uniform(-0.1, 0.1)
        if plan.danger == "oedema" and n == len(days) - 1:
            oedema = True
        weight, lenhei, measure, basis = numbers_on(plan, on, haz, whz_now, basis)
        entry = assessing.Entry(on, weight, lenhei, measure, oedema=oedema)
        try:
            done = assessing.assess(child, entry, history, today)
        except growth.OutsideGrowthStandard:
            continue
        row_id = uow.record_measurement(done.row, source="whatsapp", actor="demo", entered_by_staff=kader_id,
                                        source_ref=SOURCE_REF.format(child=child.id, on=on.isoformat()))
        if done.revisions:
            uow.revise_measurements(done.revisions)
            history = uow.measurements_of(child.id, 60)
        else:
            history = [replace(done.row, id=row_id), *history]
        stored.append(done.row.assessment)
    return stored


def add_demo(records: PostgresRecords, today: date, now: datetime) -> list[str]:
    """Kenanga, its bidan and kader, and its children where missing; one line per thing, saying added or found."""
    records.run("SELECT set_config('tumbuh.actor', 'demo', false)")  # the staff trigger's audit entries name us
    p = POSYANDU
    added = records.run("INSERT INTO posyandu (name, village, district, regency, puskesmas, day_of_month) VALUES "
                        "(%s, %s, %s, %s, %s, %s) ON CONFLICT (name, village, district) DO NOTHING RETURNING id",
                        (p["name"], p["village"], p["district"], p["regency"], p["puskesmas"], DAY_OF_MONTH))
    posyandu_id = added[0][0] if added else records.run(
        "SELECT id FROM posyandu WHERE name = %s AND village = %s AND district = %s",
        (p["name"], p["village"], p["district"]))[0][0]
    lines = [f"{'added' if added else 'found'} {p['name']} ({p['village']}, kecamatan {p['district']}, "
             f"{p['regency']}; {p['puskesmas']}), id {posyandu_id}"]
    staff_ids = {}
    for wa_id, person, role in ((BIDAN, BIDAN_NAME, "bidan"), (KADER, KADER_NAME, "kader")):
        inserted = records.run("INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) "
                               "ON CONFLICT (wa_id) DO NOTHING RETURNING id", (wa_id, person, role, posyandu_id))
        if inserted:
            staff_ids[role] = inserted[0][0]
            lines.append(f"added {role} {person} {wa_id}")
            continue
        sid, role_now, name_now, active = records.run(
            "SELECT id, role, name, active FROM staff WHERE wa_id = %s", (wa_id,))[0]
        staff_ids[role] = sid
        lines.append(f"found {role_now} {name_now} {wa_id}{'' if active else ' (inactive)'}; left as it is")
    have = records.run("SELECT count(*) FROM children WHERE posyandu_id = %s", (posyandu_id,))[0][0]
    if have:
        lines.append(f"found {have} children in {p['name']}; left as they are")
        return lines
    rng = random.Random(SEED)
    latest: list[dict] = []
    measurements = 0
    for plan in plans(rng, today):
        with records.transaction() as uow:
            stored = add_child(uow, rng, plan, posyandu_id, staff_ids["kader"], today, now)
        measurements += len(stored)
        if stored:
            latest.append(stored[-1])
    lines.append(f"added {CHILDREN} children with {measurements} measurements over {MONTHS} months")
    lines.append("their latest measurement, as the growth engine assessed it: " + describe(latest))
    return lines


def describe(assessments: list[dict]) -> str:
    """How many latest measurements are stunted, wasted, underweight, and in each referral tier."""
    def share(indicator: str, *categories: str) -> int:
        return sum(1 for a in assessments if (a.get(indicator) or {}).get("category") in categories)
    tiers = {t: sum(1 for a in assessments if a.get("tier") == t) for t in ("now", "today", "soon")}
    return (f"{share('length_for_age', 'stunted', 'severely_stunted')} stunted, "
            f"{share('weight_for_length', 'wasted', 'severely_wasted')} wasted, "
            f"{share('weight_for_age', 'underweight', 'severely_underweight')} underweight of {len(assessments)}; "
            f"tiers now {tiers['now']}, today {tiers['today']}, soon {tiers['soon']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL, else the running `make run`'s")
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc)
    today = now.astimezone(ZoneInfo(TZ)).date()
    records = PostgresRecords(url_connector(database_url(args.database_url)))
    try:
        migrate(records)  # a no-op on a running `make run`; a fresh database gets its tables
        for line in add_demo(records, today, now):
            print("demo: " + line)
    finally:
        records.discard()
    run = running.current() or {}
    dashboard = run.get("dashboard", "http://127.0.0.1:8083")
    graph = run.get("graph", "the Graph API stand-in of `make run`")
    print(f"demo: the dashboard: {dashboard}/masuk (while `make run` is up)")
    print(f"demo: sign in as the bidan with 0{BIDAN[2:]} (or the kader, 0{KADER[2:]}); the code goes to the Graph "
          "API stand-in: it is the first body parameter of the newest template message in")
    print(f"  {graph}/_standin/messages?to={BIDAN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
