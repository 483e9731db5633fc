"""The nightly backup's pure rules: object names, the retention policy (restic's keep-daily/weekly/monthly), the
prune plan and what makes a manifest unusable. Expected sets are worked out by hand on the 2026 calendar: 27
November 2026 is a Friday in ISO week 48 (weeks run Monday to Sunday: 23-29 Nov, 16-22 Nov, 9-15 Nov, 2-8 Nov)."""
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.domain.backups import (FORMAT, ORPHAN_AGE, POLICY, Policy, keep, manifest_name, manifest_problems,
                                   object_day, object_run, plan_prune, run_id, run_started, sheet_object,
                                   table_object)

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 27, 20, 0, 0, tzinfo=timezone.utc)


def nights(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def shuffled(days: list[date]) -> list[date]:
    days = list(days)
    random.Random(7).shuffle(days)
    return days


# --- names ---------------------------------------------------------------------------------------------------------

def test_a_run_id_is_its_utc_start_and_token_and_reads_back():
    started = datetime(2026, 11, 27, 2, 0, 1, tzinfo=WIB)
    run = run_id(started, "3f9a1c")
    assert run == "20261126T190001Z-3f9a1c"
    assert run_started(run) == started
    for bad in ("", "latest", "20261126T190001Z", "20261126T190001Z-XYZ123", "20261126T190001Z-3f9a1", "x" + run):
        assert run_started(bad) is None, bad


def test_object_names_and_what_they_belong_to():
    day, run = d(11, 27), "20261126T190001Z-3f9a1c"
    table, sheet = table_object(day, run, "children"), sheet_object(day, run, 4)
    assert manifest_name(day) == "2026-11-27/manifest.json"
    assert table == "2026-11-27/20261126T190001Z-3f9a1c/tables/children.copy.gz.tmbk"
    assert sheet == "2026-11-27/20261126T190001Z-3f9a1c/sheets/posyandu-4.xlsx.gz.tmbk"
    assert (object_day(table), object_run(table)) == (day, run)
    assert (object_day(manifest_name(day)), object_run(manifest_name(day))) == (day, None)
    for foreign in ("README", "other/x", "2026-13-01/x", "20261127/x", "2026-11-2/x", "notes/2026-11-27/x/y"):
        assert object_day(foreign) is None and object_run(foreign) is None, foreign


# --- keep() ----------------------------------------------------------------------------------------------------------

def test_forty_nights_keep_seven_days_four_weeks_and_the_months():
    days = nights(d(10, 19), d(11, 27))
    assert len(days) == 40
    # daily: 21-27 Nov; weekly: week 48's 27 Nov, week 47's Sunday 22 Nov (already a daily), 15 Nov, 8 Nov;
    # monthly: November's 27 Nov, October's newest 31 Oct (only two months in range).
    expected = set(nights(d(11, 21), d(11, 27))) | {d(11, 15), d(11, 8), d(10, 31)}
    assert keep(shuffled(days)) == expected


def test_thirteen_months_of_nights_keep_each_months_newest_backup_for_twelve_months():
    days = nights(d(11, 1, 2025), d(11, 27))
    month_ends = {d(10, 31), d(9, 30), d(8, 31), d(7, 31), d(6, 30), d(5, 31), d(4, 30), d(3, 31), d(2, 28),
                  d(1, 31), d(12, 31, 2025)}
    expected = set(nights(d(11, 21), d(11, 27))) | {d(11, 15), d(11, 8)} | month_ends
    kept = keep(days)
    assert kept == expected
    assert len(kept) == 20
    assert d(11, 30, 2025) not in kept  # the 13th month back is past the policy


def test_a_months_kept_backup_is_its_newest_even_when_it_is_not_the_month_end():
    days = [d(11, 27), d(10, 3), d(10, 17), d(10, 21), d(9, 1), d(9, 2)]
    assert keep(days, Policy(daily=1, weekly=0, monthly=3)) == {d(11, 27), d(10, 21), d(9, 2)}


def test_gaps_count_only_dates_weeks_and_months_that_have_a_backup():
    days = [d(11, 27), d(11, 25), d(11, 23),   # ISO week 48
            d(11, 18),                          # week 47; week 46 (9-15 Nov) has none
            d(11, 6), d(11, 3),                 # week 45
            d(10, 28),                          # week 44
            d(9, 15), d(9, 2),                  # no backup in July or August
            d(6, 10), d(12, 24, 2025)]
    # daily: the 3 newest dates; weekly: weeks 48, 47 and 45 (46 has none); monthly: Nov, Oct, Sep, then June
    # (July and August have none), so December 2025 is the fifth month and goes.
    assert keep(days, Policy(daily=3, weekly=3, monthly=4)) == {
        d(11, 27), d(11, 25), d(11, 23), d(11, 18), d(11, 6), d(10, 28), d(9, 15), d(6, 10)}
    # The default policy's 7 dailies reach back a month here, across the missing nights.
    assert set(sorted(days)[-7:]) <= keep(days)


def test_weeks_are_iso_weeks_of_their_iso_year():
    # 29 Dec 2025 and 1 Jan 2026 are both in ISO week 1 of 2026; 27 Nov 2025 and 27 Nov 2026 are both week 48,
    # of different years.
    assert keep([d(12, 29, 2025), d(1, 1)], Policy(daily=0, weekly=2, monthly=0)) == {d(1, 1)}
    assert keep([d(12, 29, 2025), d(1, 1)], Policy(daily=0, weekly=0, monthly=2)) == {d(12, 29, 2025), d(1, 1)}
    assert keep([d(11, 27, 2025), d(11, 27)], Policy(daily=0, weekly=2, monthly=0)) == {d(11, 27, 2025), d(11, 27)}
    assert keep([d(11, 27, 2025), d(11, 27)], Policy(daily=0, weekly=0, monthly=2)) == {d(11, 27, 2025), d(11, 27)}


def test_a_year_of_nights_keeps_at_most_23_dates_covering_at_least_12_months():
    for end in nights(d(1, 1), d(12, 31)):
        days = nights(end - timedelta(days=364), end)
        kept = keep(days)
        assert len(kept) <= POLICY.daily + POLICY.weekly + POLICY.monthly, end
        assert len({(k.year, k.month) for k in kept}) >= 12, end
        assert set(days[-7:]) <= kept, end


def test_duplicates_do_not_count_twice_and_an_empty_policy_keeps_nothing():
    days = nights(d(11, 1), d(11, 27))
    assert keep(days + days, Policy(daily=3, weekly=0, monthly=0)) == {d(11, 25), d(11, 26), d(11, 27)}
    assert keep(days, Policy(0, 0, 0)) == set()
    assert keep([], POLICY) == set()


# --- plan_prune() ----------------------------------------------------------------------------------------------------

def run_at(hours_ago: float, token: str) -> str:
    return run_id(NOW - timedelta(hours=hours_ago), token)


def objects(day: date, run: str) -> list[str]:
    return [table_object(day, run, "children"), table_object(day, run, "measurements"), sheet_object(day, run, 4)]


def test_plan_prune_drops_old_backups_manifest_first_and_old_orphans_only():
    policy = Policy(daily=2, weekly=0, monthly=0)
    r20, r25, r26, r27 = run_at(7 * 24 + 1, "a20"), run_at(2 * 24 + 1, "a25"), run_at(25, "a26"), run_at(1.5, "a27")
    runs = {d(11, 20): r20, d(11, 25): r25, d(11, 26): r26, d(11, 27): r27}
    in_progress = run_at(1, "bbbbbb")        # a run under a kept date that started an hour ago: still writing
    just_young = run_at(23.99, "cccccc")     # under ORPHAN_AGE
    just_old = run_at(24, "dddddd")          # exactly ORPHAN_AGE: an orphan
    lost_race = run_at(30, "eeeeee")         # an old run of a kept date that its manifest does not name
    dead = run_at(48, "ffffff")              # a run that died before writing any manifest
    names = [manifest_name(day) for day in runs] + [n for day, run in runs.items() for n in objects(day, run)]
    names += objects(d(11, 27), in_progress) + objects(d(11, 27), just_young) + objects(d(11, 27), just_old)
    names += objects(d(11, 26), lost_race)
    names += objects(d(11, 25), in_progress)      # under a dropped date: goes with it, young or not
    names += objects(d(11, 24), dead)             # a date with objects and no manifest: the orphan rule
    names += objects(d(11, 28), in_progress)      # no manifest yet, an hour old: a backup in progress
    names += ["2026-11-27/not-a-run/tables/x.copy.gz.tmbk"]
    foreign = ["README", "other/x", "notes/2026-11-20/manifest.json", "2026-13-01/x/y", "20261120/manifest.json"]
    names += foreign

    plan = plan_prune(shuffled(names), runs, NOW, policy)

    dropped_manifests = ["2026-11-20/manifest.json", "2026-11-25/manifest.json"]
    expected_objects = sorted(objects(d(11, 20), r20) + objects(d(11, 25), r25) + objects(d(11, 25), in_progress)
                              + objects(d(11, 27), just_old) + objects(d(11, 26), lost_race)
                              + objects(d(11, 24), dead) + ["2026-11-27/not-a-run/tables/x.copy.gz.tmbk"])
    assert plan == dropped_manifests + expected_objects
    assert len(set(plan)) == len(plan)
    for name in objects(d(11, 26), r26) + objects(d(11, 27), r27) + objects(d(11, 27), in_progress) \
            + objects(d(11, 27), just_young) + objects(d(11, 28), in_progress) + foreign \
            + ["2026-11-26/manifest.json", "2026-11-27/manifest.json"]:
        assert name not in plan, name


def test_every_dropped_manifest_comes_before_any_object():
    days = nights(d(1, 1), d(11, 27))
    runs = {day: run_id(datetime.combine(day, datetime.min.time(), timezone.utc), "abcdef") for day in days}
    names = [manifest_name(day) for day in days] + [n for day in days for n in objects(day, runs[day])]
    plan = plan_prune(shuffled(names), runs, NOW)
    kept = keep(days)
    first_object = min(i for i, n in enumerate(plan) if not n.endswith("/manifest.json"))
    manifests = [i for i, n in enumerate(plan) if n.endswith("/manifest.json")]
    assert len(manifests) == len(days) - len(kept) and max(manifests) < first_object
    assert {object_day(n) for n in plan} == set(days) - kept
    assert len(plan) == 4 * (len(days) - len(kept))


def test_the_orphan_age_boundary_is_inclusive():
    assert ORPHAN_AGE == timedelta(hours=24)
    day = d(11, 27)
    at_age = objects(day, run_id(NOW - ORPHAN_AGE, "aaaaaa"))
    younger = objects(day, run_id(NOW - ORPHAN_AGE + timedelta(seconds=1), "bbbbbb"))
    assert plan_prune(at_age + younger, {}, NOW) == sorted(at_age)


def test_nothing_in_a_store_without_backups_is_touched():
    assert plan_prune(["README", "other/2026-11-27/x", "archive/manifest.json"], {}, NOW) == []


# --- manifest_problems() ---------------------------------------------------------------------------------------------

DAY = d(11, 27)
RUN = "20261126T190001Z-3f9a1c"


def good_manifest() -> dict:
    return {"format": FORMAT, "date": "2026-11-27", "run": RUN, "rows": 5,
            "tables": [{"name": "children", "object": table_object(DAY, RUN, "children"), "sha256": "a" * 64,
                        "rows": 2, "columns": ["id", "name"]},
                       {"name": "audit", "object": table_object(DAY, RUN, "audit"), "sha256": "b" * 64,
                        "rows": 0, "columns": ["id"]}],
            "sheets": [{"posyandu_id": 4, "object": sheet_object(DAY, RUN, 4), "sha256": "c" * 64}]}


def test_a_good_manifest_has_no_problem():
    assert manifest_problems(good_manifest(), DAY) == []
    assert manifest_problems(dict(good_manifest(), sheets=[]), DAY) == []
    assert manifest_problems({k: v for k, v in good_manifest().items() if k != "sheets"}, DAY) == []


def broken(**change) -> dict:
    doc = good_manifest()
    for key, value in change.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    return doc


def table(**change) -> list[dict]:
    entry = dict(good_manifest()["tables"][0], **change)
    return [{k: v for k, v in entry.items() if v is not None}]


@pytest.mark.parametrize("doc, words", [
    (broken(format="tumbuh-backup/2"), [f"format is 'tumbuh-backup/2', not {FORMAT}"]),
    (broken(format=None), ["format is None"]),
    (broken(date="2026-11-26"), ["it is for 2026-11-26, not 2026-11-27"]),
    (broken(tables=[]), ["it lists no table"]),
    (broken(tables=None), ["it lists no table"]),
    (broken(tables={"children": {}}), ["it lists no table"]),
    (broken(tables=table(object=table_object(DAY, "20261125T190001Z-aaaaaa", "children"))),
     ["object '2026-11-27/20261125T190001Z-aaaaaa/tables/children.copy.gz.tmbk' is not under this backup's run"]),
    (broken(tables=table(object=table_object(d(11, 26), RUN, "children"))),
     ["object '2026-11-26/20261126T190001Z-3f9a1c/tables/children.copy.gz.tmbk' is not under this backup's run"]),
    (broken(tables=table(object=None)), ["object None is not under this backup's run"]),
    (broken(sheets=[{"object": "other/x", "sha256": "c" * 64}]), ["object 'other/x' is not under this backup's run"]),
    (broken(tables=table(sha256="abc")), ["has no sha256"]),
    (broken(tables=table(sha256=None)), ["has no sha256"]),
    (broken(tables=table(sha256=1 << 255)), ["has no sha256"]),
    (broken(sheets=[{"object": sheet_object(DAY, RUN, 4), "sha256": "c" * 63}]), ["has no sha256"]),
    (broken(tables=table(rows=None)), ["table 'children' has no row count or columns"]),
    (broken(tables=table(rows=-1)), ["table 'children' has no row count or columns"]),
    (broken(tables=table(rows="2")), ["table 'children' has no row count or columns"]),
    (broken(tables=table(columns=[])), ["table 'children' has no row count or columns"]),
    (broken(tables=["children"]), ["an entry is not an object"]),
], ids=["format", "no-format", "date", "no-tables", "tables-missing", "tables-not-a-list", "other-run",
        "other-date", "no-object", "sheet-elsewhere", "short-sha", "no-sha", "int-sha", "sheet-sha", "no-rows",
        "negative-rows", "text-rows", "no-columns", "not-an-object"])
def test_each_problem_is_named_alone(doc, words):
    problems = manifest_problems(doc, DAY)
    assert len(problems) == len(words), problems
    for problem, word in zip(problems, words):
        assert word in problem, problems


@pytest.mark.parametrize("run", [None, "", "latest", 42, "20261126T190001Z"])
def test_a_manifest_naming_no_run_is_refused(run):
    problems = manifest_problems(broken(run=run), DAY)  # None: no "run" at all
    assert "it names no run" in problems
    # its objects cannot be under a run it does not name either
    assert any("is not under this backup's run" in p for p in problems)
