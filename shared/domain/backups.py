"""The nightly backup's rules, as pure functions: where each object goes, what a complete manifest holds, which
backups the retention policy keeps (7 daily, 4 weekly, 12 monthly) and what a prune removes.

Layout in the bucket (or folder), one dated prefix per night, in the time zone of the deployment:

    2026-11-27/manifest.json                                      written last: a backup without it is not one
    2026-11-27/20261126T190001Z-3f9a1c/tables/children.copy.gz.tmbk
    2026-11-27/20261126T190001Z-3f9a1c/sheets/posyandu-4.xlsx.gz.tmbk

Each run writes under its own run id (its UTC start and a random token), and names that run in the manifest; a
run that died, or lost the race to write the manifest, leaves objects no manifest names, removed a day later.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

FORMAT = "tumbuh-backup/1"
MANIFEST = "manifest.json"
SEALED = ".gz.tmbk"  # gzip inside, sealed (AES-256-GCM chunks) outside
# Objects no manifest names are removed once their run is this old: longer than any backup runs (30 min deadline).
ORPHAN_AGE = timedelta(hours=24)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RUN = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{6,32}$")


@dataclass(frozen=True)
class Policy:
    """How many backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and `monthly`
    months that have one (restic's --keep-daily/--keep-weekly/--keep-monthly meaning)."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @property
    def longest(self) -> str:
        """In words, how long the oldest backup can be kept (docs/privacy.md says the same)."""
        return f"{self.monthly} months"


POLICY = Policy()


def manifest_name(day: date) -> str:
    return f"{day.isoformat()}/{MANIFEST}"


def run_id(started: datetime, token: str) -> str:
    """A run's id: its start in UTC and a random hex token (two runs in the same second still differ)."""
    return f"{started.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{token}"


def run_started(run: str) -> datetime | None:
    match = _RUN.match(run)
    return datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) if match else None


def table_object(day: date, run: str, table: str) -> str:
    return f"{day.isoformat()}/{run}/tables/{table}.copy{SEALED}"


def sheet_object(day: date, run: str, posyandu_id: int) -> str:
    return f"{day.isoformat()}/{run}/sheets/posyandu-{posyandu_id}.xlsx{SEALED}"


def object_day(name: str) -> date | None:
    """The backup date an object belongs to, from its first path part; None for anything else in the bucket."""
    head = name.split("/", 1)[0]
    try:
        return date.fromisoformat(head) if len(head) == 10 else None
    except ValueError:
        return None


def object_run(name: str) -> str | None:
    parts = name.split("/")
    return parts[1] if len(parts) > 2 and object_day(name) else None


def keep(days: Iterable[date], policy: Policy = POLICY) -> set[date]:
    """The backup dates the policy keeps, from the dates that have a complete backup."""
    newest_first = sorted(set(days), reverse=True)
    kept: set[date] = set()
    for count, bucket in ((policy.daily, lambda d: d),
                          (policy.weekly, lambda d: d.isocalendar()[:2]),
                          (policy.monthly, lambda d: (d.year, d.month))):
        seen: list = []
        for day in newest_first:
            key = bucket(day)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            kept.add(day)  # the newest backup of each day, week or month
    return kept


def plan_prune(names: Iterable[str], runs: dict[date, str], now: datetime, policy: Policy = POLICY) -> list[str]:
    """What to delete, in order: the manifest of each backup the policy no longer keeps before its objects (so a
    half-done prune never leaves something that looks complete), then objects no manifest names once their run
    is ORPHAN_AGE old. `runs`: each date that has a manifest → the run it names. Names that are not a backup's
    are never touched."""
    kept = keep(runs, policy)
    manifests, objects = [], []
    for name in sorted(names):
        day = object_day(name)
        if day is None:
            continue
        if name == manifest_name(day):
            if day not in kept:
                manifests.append(name)
            continue
        run = object_run(name)
        if day in runs and day not in kept:
            objects.append(name)
        elif run != runs.get(day):
            started = run_started(run or "")
            if started is None or now - started >= ORPHAN_AGE:
                objects.append(name)
    return manifests + objects


def manifest_problems(doc: dict, day: date) -> list[str]:
    """What makes a manifest unusable for this date (empty when it is complete and consistent)."""
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"format is {doc.get('format')!r}, not {FORMAT}")
    if doc.get("date") != day.isoformat():
        problems.append(f"it is for {doc.get('date')}, not {day.isoformat()}")
    run = doc.get("run")
    tables = doc.get("tables")
    if not isinstance(run, str) or run_started(run) is None:
        problems.append("it names no run")
    if not isinstance(tables, list) or not tables:
        problems.append("it lists no table")
        return problems
    for entry in tables + list(doc.get("sheets") or []):
        if not isinstance(entry, dict):
            problems.append("an entry is not an object")
            continue
        name = entry.get("object")
        if not isinstance(name, str) or object_day(name) != day or object_run(name) != run:
            problems.append(f"object {name!r} is not under this backup's run")
        if not (isinstance(entry.get("sha256"), str) and _SHA256.fullmatch(entry["sha256"])):
            problems.append(f"object {name!r} has no sha256")
    for entry in tables:
        if isinstance(entry, dict) and not (type(entry.get("rows")) is int and entry["rows"] >= 0
                                            and isinstance(entry.get("columns"), list) and entry["columns"]):
            problems.append(f"table {entry.get('name')!r} has no row count or columns")
    return problems
