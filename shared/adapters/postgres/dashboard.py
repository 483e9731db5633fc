"""The staff dashboard's reads over PostgreSQL, each filtered by the signed-in person's Scope.

The rule: `scope` is the one place where what a person may see is decided (migration 0012's header: kader their
posyandu; bidan the posyandu of their village; puskesmas those of their puskesmas, or of their kecamatan when the
posyandu names none; admin those of their kabupaten, or every posyandu without a home posyandu). Every read takes
that Scope, and every statement it runs carries `_within` (`posyandu_id = ANY(<the scope's ids>)`): there is no read
without a Scope, and an id from another area answers nothing (None or an empty list), exactly as an id that does not
exist. `audit_view` only writes the audit entry of a read. Nothing here logs: the rows hold names and parents'
numbers.
"""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, timedelta

import pg8000.dbapi

from shared.adapters.postgres.connections import Database, query
from shared.adapters.postgres.records import C_CHILD, M_MEASUREMENT, measurement_from_row
from shared.domain import dashboard as view
from shared.domain.advice import Urgency
from shared.domain.dashboard import (EPPGBM_COLUMNS, ChildRow, ChildView, MessageRow, MonthCounts, PosyanduMonth,
                                     PosyanduRecap, ReminderRow, TodayRow)
from shared.domain.model import Child, Staff
from shared.domain.recap import STUNTED, UNDERWEIGHT, WASTED, RecapChild, RecapMeasurement, month_end, recap
from shared.errors import TransientError
from shared.ports import Scope

__all__ = ["EPPGBM_COLUMNS", "PgDashboard"]

ROLES = ("kader", "bidan", "puskesmas", "admin")
SEARCH_MIN, SEARCH_MAX = 2, 100  # characters of a name search (a name has at most 100)
MEASUREMENTS_MAX = 240  # a child's page: five years of monthly visits, and re-measures
MESSAGES_MAX = 100
REMINDERS_MAX = 24
# The months refresh_month_counts keeps stored: the current one and 13 before it (the Posyandu page's year, and one
# more). A month's counts depend on its data only (S is counted at the month's end), so the current month is stored
# like the others; each weighing marks it stale, and a stale row is counted live until the next refresh.
REFRESH_MONTHS = 13
LOCK_WAIT_MS = 2000  # how long a refresh waits for writers of measurements and children to commit
_COUNTS = tuple(f.name for f in fields(MonthCounts))  # posyandu_month_counts' columns, in MonthCounts' order

# A measurement whose values count (records.children_to_plan, posyandu_list_for_day): nothing flagged, or confirmed
# by measuring again. One waiting for a re-measure, or replaced by one, is not the child's state.
_TRUSTED = "(m.review IS NULL OR m.review = 'confirmed')"
_URGENT = ", ".join(f"'{t}'" for t in view.URGENT_TIERS)
# "Hari ini"'s order: the tier, most urgent (now) first.
_TIER_RANK = ("CASE lm.assessment->>'tier' "
              + " ".join(f"WHEN '{u.word}' THEN {int(Urgency.NOW) - int(u)}" for u in Urgency) + " END")
_LAST_WEIGHED = ("(SELECT max(w.measured_on) FROM measurements w WHERE w.child_id = c.id "
                 "AND w.weight_kg IS NOT NULL)")


def _within(scope: Scope, column: str) -> str:
    """The filter every statement carries: `column` is one of the scope's posyandu (none for an empty scope).

    The ids are written into the statement (integers, so nothing else can be), not passed as a parameter: a
    statement is prepared once per connection, and after five runs PostgreSQL may keep a generic plan for it, so a
    kader's query would run with the plan made for a district's hundred posyandu (a full scan: a kader's year of
    counts took 350 ms instead of 11 ms on 20,000 children).
    """
    if not isinstance(scope, Scope):
        raise TypeError("dashboard reads take the signed-in person's Scope")
    ids = ",".join(str(int(i)) for i in sorted(set(scope.posyandu_ids)))
    return f"{column} = ANY('{{{ids}}}'::bigint[])"


def _born(scope: Scope) -> str:
    """A CTE `born` of (id, born) for the children in scope known only by an age given in months: the birth date
    shared.domain.recap estimates for them, their earliest measurement's date less the age in days it was assessed
    at. A child's birth date is then coalesce(c.birth_date, born.born) (LEFT JOIN born ON born.id = c.id): kept apart
    so that PostgreSQL costs the estimate for these few children, not for every child."""
    return ("born AS (SELECT c.id, (SELECT e.measured_on - trunc((e.assessment->>'age_days')::numeric)::int "
            "FROM measurements e WHERE e.child_id = c.id AND e.assessment->>'age_days' IS NOT NULL "
            "ORDER BY e.measured_on, e.id LIMIT 1) AS born FROM children c WHERE c.birth_date IS NULL "
            f"AND {_within(scope, 'c.posyandu_id')})")


def _month_index(column: str) -> str:
    """Months since year 0: at a month's last day the completed months of age are the difference of two of them
    (ages.completed_months, the 31st's rule included)."""
    return f"(extract(year FROM {column})::int * 12 + extract(month FROM {column})::int)"


def _like_contains(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _float(value) -> float | None:
    return None if value is None else float(value)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _dates(firsts: list[date]) -> str:
    """A date[] literal (dates, so nothing else can be written into the statement)."""
    return "'{" + ",".join(f.isoformat() for f in firsts) + "}'::date[]"


def _months_before(first: date, n: int) -> date:
    """The first day of the month n months before `first`'s."""
    index = first.year * 12 + first.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _sqlstate(exc: Exception) -> str:
    """PostgreSQL's error code from a pg8000 error (its first argument is the server's error fields)."""
    fields_ = exc.args[0] if exc.args else None
    return fields_.get("C", "") if isinstance(fields_, dict) else ""


def _counted(indicator: str, problems: tuple[str, ...]) -> str:
    """NULL when an indicator does not count for prevalence (not measured, or flagged: shared.domain.recap),
    else whether its category is one of `problems`."""
    return (f"CASE WHEN coalesce((m.assessment#>>'{{{indicator},flag}}')::boolean, false) THEN NULL "
            f"ELSE nullif(m.assessment#>>'{{{indicator},category}}', '') IN ({_in(problems)}) END")


def _month_counts_sql(scope: Scope, firsts: list[date]) -> str:
    """The one statement that counts months, for posyandu_months (live) and refresh_month_counts (stored): every
    posyandu of the scope in each month (first days, sorted, at least one), as the 15 MonthCounts in their order,
    then p.id, p.name, p.village and the month's first day, by posyandu name then month. The same numbers as
    shared.domain.dashboard.month_counts (their definition, on shared.domain.recap), counted by PostgreSQL so that
    a district stays one query."""
    return (
        # The months are written into the statement (dates, so nothing else can be), as the scope is: planned
        # for the months at hand, each run reads only them.
        f"WITH mo AS (SELECT first, {_month_index('first')} AS idx "
        f"  FROM unnest({_dates(firsts)}) AS t(first)), "
        # S and K: each child's month of birth and of its first measurement, as month numbers.
        f"{_born(scope)}, "
        "c0 AS MATERIALIZED (SELECT c.posyandu_id, coalesce(c.birth_date, born.born) AS born, "
        "  (SELECT min(f.measured_on) FROM measurements f WHERE f.child_id = c.id) AS seen "
        f"  FROM children c LEFT JOIN born ON born.id = c.id WHERE {_within(scope, 'c.posyandu_id')}), "
        f"c AS MATERIALIZED (SELECT posyandu_id, {_month_index('born')} AS born, {_month_index('seen')} AS seen, "
        "  count(*) AS n FROM c0 GROUP BY 1, 2, 3), "
        "s AS (SELECT c.posyandu_id, mo.first, sum(c.n) AS s, "
        "  coalesce(sum(c.n) FILTER (WHERE c.seen <= mo.idx), 0) AS k "
        "  FROM c JOIN mo ON c.born BETWEEN mo.idx - 59 AND mo.idx GROUP BY 1, 2), "
        # D and the rest: each child's last weighing of each month (the latest stored on its day). What counts
        # of each weighing is read from its assessment before the sort that picks one, which then stays narrow.
        "w AS (SELECT DISTINCT ON (m.child_id, t.idx) c.posyandu_id, t.idx, "
        "  trunc((m.assessment->>'age_months')::numeric) BETWEEN 0 AND 59 AS counts, "
        "  m.assessment#>>'{gain,code}' AS code, "
        "  coalesce((m.assessment#>>'{gain,two_t}')::boolean, false) AS two_t, "
        "  coalesce((m.assessment->>'bgm')::boolean, false) "
        "    AND NOT coalesce((m.assessment#>>'{weight_for_age,flag}')::boolean, false) AS bgm, "
        "  coalesce((m.assessment->>'oedema')::boolean, false) AS oedema, "
        f"  {_counted('length_for_age', STUNTED)} AS lfa, "
        f"  {_counted('weight_for_length', WASTED)} AS wfl, "
        f"  {_counted('weight_for_age', UNDERWEIGHT)} AS wfa "
        "  FROM measurements m JOIN children c ON c.id = m.child_id "
        f"  CROSS JOIN LATERAL (SELECT {_month_index('m.measured_on')} AS idx) t "
        f"  WHERE {_within(scope, 'c.posyandu_id')} AND m.weight_kg IS NOT NULL "
        f"  AND m.measured_on BETWEEN '{firsts[0].isoformat()}' AND '{month_end(firsts[-1]).isoformat()}' "
        f"  AND t.idx IN ({', '.join(str(f.year * 12 + f.month) for f in firsts)}) "
        "  ORDER BY m.child_id, t.idx, m.measured_on DESC, m.id DESC), "
        # Prevalence as shared.domain.recap counts it: oedema is severe wasting, and no weight-for-age is read.
        "d AS (SELECT posyandu_id, idx, count(*) AS d, count(*) FILTER (WHERE code = 'N') AS n, "
        "  count(*) FILTER (WHERE code = 'T') AS t, count(*) FILTER (WHERE code = 'O') AS o, "
        "  count(*) FILTER (WHERE code = 'B') AS b, count(*) FILTER (WHERE two_t) AS two_t, "
        "  count(*) FILTER (WHERE bgm) AS bgm, count(lfa) AS len_measured, count(*) FILTER (WHERE lfa) AS stunted, "
        "  count(*) FILTER (WHERE oedema OR wfl IS NOT NULL) AS wfl_measured, "
        "  count(*) FILTER (WHERE oedema OR wfl) AS wasted, "
        "  count(*) FILTER (WHERE NOT oedema AND wfa IS NOT NULL) AS wfa_measured, "
        "  count(*) FILTER (WHERE NOT oedema AND wfa) AS underweight "
        "  FROM w WHERE counts GROUP BY 1, 2) "
        "SELECT coalesce(s.s, 0), coalesce(s.k, 0), coalesce(d.d, 0), coalesce(d.n, 0), coalesce(d.t, 0), "
        "  coalesce(d.o, 0), coalesce(d.b, 0), coalesce(d.two_t, 0), coalesce(d.bgm, 0), "
        "  coalesce(d.len_measured, 0), coalesce(d.stunted, 0), coalesce(d.wfl_measured, 0), "
        "  coalesce(d.wasted, 0), coalesce(d.wfa_measured, 0), coalesce(d.underweight, 0), "
        "  p.id, p.name, p.village, mo.first "
        "FROM posyandu p CROSS JOIN mo "
        "LEFT JOIN s ON s.posyandu_id = p.id AND s.first = mo.first "
        "LEFT JOIN d ON d.posyandu_id = p.id AND d.idx = mo.idx "
        f"WHERE {_within(scope, 'p.id')} ORDER BY p.name, p.id, mo.first")


class PgDashboard:
    """What the dashboard's pages read (and the audit of those reads), on one Database."""

    def __init__(self, database: Database):
        self._db = database

    def scope(self, staff: Staff) -> Scope:
        """The posyandu this person may see, by role and home posyandu (sorted ids); empty for an unknown role, or
        when the home posyandu is gone."""
        if staff.role not in ROLES:
            return Scope(staff.id, staff.role, ())
        if staff.role == "admin" and staff.posyandu_id is None:
            rows = self._db.run("SELECT id FROM posyandu ORDER BY id")
        elif staff.posyandu_id is None:
            rows = []
        else:
            rows = self._db.run(
                "SELECT p.id FROM posyandu home JOIN posyandu p ON CASE %(role)s "
                "  WHEN 'kader' THEN p.id = home.id "
                "  WHEN 'bidan' THEN (p.village, p.district, p.regency) = (home.village, home.district, home.regency) "
                "  WHEN 'puskesmas' THEN p.regency = home.regency AND CASE WHEN home.puskesmas <> '' "
                "    THEN p.puskesmas = home.puskesmas ELSE p.district = home.district END "
                "  WHEN 'admin' THEN p.regency = home.regency "
                "  ELSE false END "
                "WHERE home.id = %(home)s ORDER BY p.id", {"role": staff.role, "home": staff.posyandu_id})
        return Scope(staff.id, staff.role, tuple(int(r[0]) for r in rows))

    def today(self, scope: Scope, on: date, limit: int = 200) -> list[TodayRow]:
        """Children whose latest trusted measurement up to `on` asks for action (tier now, today or soon) and was
        taken in the last TODAY_WINDOW_DAYS days: most urgent first, then the longest waiting.

        A follow-up reminder is planned only from such a measurement (shared.domain.reminders: tiers today and now)
        and cancelled once the child is measured again, so an overdue one adds no child here: it is the row's
        `followup` (the family's answer, or "unanswered")."""
        rows = self._db.run(
            "SELECT c.id, c.name, c.sex, c.birth_date, p.id, p.name, lm.assessment->>'tier', "
            "  lm.assessment->'findings', lm.measured_on, lm.weight_kg, lm.lenhei_cm, lm.measure, g.wa_id, "
            "  g.unreachable_at IS NOT NULL, fu.state "
            "FROM children c JOIN posyandu p ON p.id = c.posyandu_id "
            "JOIN LATERAL (SELECT m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.assessment "
            f"  FROM measurements m WHERE m.child_id = c.id AND m.measured_on <= %(on)s AND {_TRUSTED} "
            "  ORDER BY m.measured_on DESC, m.id DESC LIMIT 1) lm ON true "
            "LEFT JOIN guardians g ON g.id = c.guardian_id AND g.consent_at IS NOT NULL "
            "LEFT JOIN LATERAL (SELECT coalesce(r.answer, 'unanswered') AS state FROM reminders r "
            "  WHERE r.child_id = c.id AND r.kind = 'followup' AND r.basis_on = lm.measured_on "
            "  AND r.sent_at IS NOT NULL ORDER BY r.due_on DESC, r.id DESC LIMIT 1) fu ON true "
            f"WHERE {_within(scope, 'c.posyandu_id')} AND lm.measured_on >= %(since)s "
            f"  AND lm.assessment->>'tier' IN ({_URGENT}) "
            f"ORDER BY {_TIER_RANK}, lm.measured_on, c.id LIMIT %(limit)s",
            {"on": on, "since": on - timedelta(days=view.TODAY_WINDOW_DAYS), "limit": limit})
        return [TodayRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7] or ()), r[8], _float(r[9]),
                         _float(r[10]), r[11], r[12], bool(r[13]), r[14]) for r in rows]

    def not_weighed(self, scope: Scope, month_start: date, limit: int = 500) -> list[ChildRow]:
        """Children 0-59 completed months at the month's end (S, as shared.domain.recap counts it) with no weighing
        in the month (so not in its D): "belum ditimbang bulan ini", by posyandu and name, with their last
        weighing."""
        first, last = month_start.replace(day=1), month_end(month_start)
        rows = self._db.run(
            f"WITH {_born(scope)}, c AS (SELECT c.*, coalesce(c.birth_date, born.born) AS born FROM children c "
            f"  LEFT JOIN born ON born.id = c.id WHERE {_within(scope, 'c.posyandu_id')}) "
            f"SELECT c.id, c.name, c.sex, c.birth_date, p.id, p.name, {_LAST_WEIGHED} "
            "FROM c JOIN posyandu p ON p.id = c.posyandu_id "
            f"WHERE {_month_index('%(last)s::date')} - {_month_index('c.born')} BETWEEN 0 AND 59 "
            "  AND NOT EXISTS (SELECT 1 FROM measurements m WHERE m.child_id = c.id AND m.weight_kg IS NOT NULL "
            "  AND m.measured_on BETWEEN %(first)s AND %(last)s) "
            "ORDER BY p.name, p.id, c.name, c.id LIMIT %(limit)s",
            {"first": first, "last": last, "limit": limit})
        return [ChildRow(*r) for r in rows]

    def posyandu_months(self, scope: Scope, months: list[date]) -> list[PosyanduMonth]:
        """SKDN, T/O/B/2T/BGM and prevalence of every posyandu in scope for each month (first days), by posyandu
        name then month. A month stored fresh in posyandu_month_counts (a month the scheduler counted, and nothing it
        was counted from has changed since) is read from there; the rest (missing or stale) is counted live by the statement the store is filled with, once per set of posyandu missing the same
        months, in one statement with the stored rows. The numbers are those of counting everything live."""
        firsts = sorted({m.replace(day=1) for m in months})
        if not firsts:
            return []
        in_months = f"s.month = ANY({_dates(firsts)})"
        fresh = {(int(r[0]), r[1]) for r in self._db.run(
            "SELECT s.posyandu_id, s.month FROM posyandu_month_counts s "
            f"WHERE {_within(scope, 's.posyandu_id')} AND {in_months} AND NOT s.stale")}
        live: dict[tuple[int, ...], list[date]] = {}  # the posyandu missing a month -> those months
        for first in firsts:
            missing = tuple(i for i in sorted(set(scope.posyandu_ids)) if (i, first) not in fresh)
            if missing:
                live.setdefault(missing, []).append(first)
        # A stored row is taken unless its posyandu-month is counted live: one that turned stale since the read
        # above was fresh when the page was asked for, and one stored since is counted live, never both.
        counted_live = " OR ".join(f"(s.posyandu_id = ANY('{{{','.join(map(str, ids))}}}'::bigint[]) "
                                   f"AND s.month = ANY({_dates(group)}))" for ids, group in live.items())
        parts = [f"SELECT {', '.join('s.' + c for c in _COUNTS)}, p.id, p.name, p.village, s.month "
                 "FROM posyandu_month_counts s JOIN posyandu p ON p.id = s.posyandu_id "
                 f"WHERE {_within(scope, 's.posyandu_id')} AND {in_months}"
                 + (f" AND NOT ({counted_live})" if counted_live else "")]
        parts += [f"({_month_counts_sql(Scope(scope.staff_id, scope.role, ids), group)})"
                  for ids, group in live.items()]
        # In the order one statement gives: the posyandu's name (PostgreSQL's collation), its id, the month.
        rows = self._db.run(" UNION ALL ".join(parts) + " ORDER BY 17, 16, 19")
        return [PosyanduMonth.of(MonthCounts(*[int(v) for v in r[:15]]), r[15], r[16], r[17], r[18]) for r in rows]

    def refresh_month_counts(self, today: date, limit: int) -> int:
        """Store the counts of `today`'s month and the REFRESH_MONTHS before it that posyandu_month_counts lacks or
        holds stale, for every posyandu: at most `limit` posyandu-months, the latest months first. Returns how many
        were stored (0 once all are fresh).

        Each month's rows are counted and written in one transaction that first locks the table against the
        triggers' marks (SHARE ROW EXCLUSIVE): a change to measurements or children committed while a month is
        counted waits for it, then marks the row stale, so no row is stored fresh without a change it missed. The
        lock waits LOCK_WAIT_MS at most; then this is a TransientError and the next run tries again."""
        current = today.replace(day=1)
        kept = [_months_before(current, n) for n in range(0, REFRESH_MONTHS + 1)]
        due = self._db.run(
            f"SELECT p.id, mo.first FROM posyandu p CROSS JOIN unnest({_dates(kept)}) AS mo(first) "
            "LEFT JOIN posyandu_month_counts s ON s.posyandu_id = p.id AND s.month = mo.first "
            "WHERE s.posyandu_id IS NULL OR s.stale ORDER BY mo.first DESC, p.id LIMIT %s", (max(0, int(limit)),))
        by_month: dict[date, list[int]] = {}
        for posyandu_id, first in due:
            by_month.setdefault(first, []).append(int(posyandu_id))
        columns = ", ".join(_COUNTS)
        stored = 0
        for first, ids in by_month.items():
            # Counted to be stored, shown to nobody: the scope is exactly the posyandu due.
            statement = _month_counts_sql(Scope(0, "scheduler", tuple(ids)), [first])
            stored += self._in_transaction(
                f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'",
                "LOCK TABLE posyandu_month_counts IN SHARE ROW EXCLUSIVE MODE",
                f"INSERT INTO posyandu_month_counts (posyandu_id, month, {columns}, computed_at, stale) "
                f"SELECT x.id, x.first, {columns}, now(), false "
                f"FROM ({statement}) AS x({columns}, id, name, village, first) "
                "ON CONFLICT (posyandu_id, month) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in (*_COUNTS, "computed_at", "stale")))
        return stored

    def _in_transaction(self, *statements: str) -> int:
        """Run the statements in one transaction on this thread's connection; returns the last one's row count."""
        try:
            with self._db.atomic() as conn:
                count = 0
                for sql in statements:
                    count = query(conn, sql).row_count
            return count
        except pg8000.dbapi.DatabaseError as exc:
            if _sqlstate(exc) == "55P03":  # lock_not_available: the triggers' writers held it LOCK_WAIT_MS
                raise TransientError("posyandu_month_counts is busy; the next run stores the months") from None
            raise

    def recap_month(self, scope: Scope, posyandu_id: int, month: date) -> PosyanduRecap | None:
        """One posyandu's month by age band (Format F2, the printable recap) with its totals, computed by
        shared.domain.recap and month_counts on inputs read as records.recap_inputs reads them (by posyandu, the
        estimated birth date given with each child); None when the posyandu is outside the scope."""
        first, last = month.replace(day=1), month_end(month)
        found = self._db.run(f"SELECT p.name, p.village FROM posyandu p WHERE p.id = %s AND {_within(scope, 'p.id')}",
                             (posyandu_id,))
        if not found:
            return None
        children = self._db.run(
            f"WITH {_born(scope)} SELECT c.id, coalesce(c.birth_date, born.born), "
            "(SELECT min(f.measured_on) FROM measurements f WHERE f.child_id = c.id) "
            f"FROM children c LEFT JOIN born ON born.id = c.id WHERE c.posyandu_id = %s "
            f"AND {_within(scope, 'c.posyandu_id')} ORDER BY c.id",
            (posyandu_id,))
        measured = self._db.run(
            "SELECT m.child_id, m.measured_on, m.weight_kg IS NOT NULL, m.assessment FROM measurements m "
            f"JOIN children c ON c.id = m.child_id WHERE c.posyandu_id = %s AND {_within(scope, 'c.posyandu_id')} "
            "AND m.measured_on BETWEEN %s AND %s ORDER BY m.measured_on, m.id", (posyandu_id, first, last))
        kids = [RecapChild(r[0], r[1], r[2]) for r in children]
        measurements = [RecapMeasurement(r[0], r[1], bool(r[2]), r[3] or {}) for r in measured]
        return PosyanduRecap(posyandu_id, found[0][0], found[0][1], first, recap(first, kids, measurements),
                             view.month_counts(first, kids, measurements))

    def search(self, scope: Scope, text: str, limit: int = 30) -> list[ChildRow]:
        """Children whose name contains the text (trimmed, any case, % and _ taken literally), by name; nothing for
        fewer than SEARCH_MIN characters."""
        text = text.strip()
        within = _within(scope, "c.posyandu_id")
        if not SEARCH_MIN <= len(text) <= SEARCH_MAX:
            return []
        rows = self._db.run(
            f"SELECT c.id, c.name, c.sex, c.birth_date, p.id, p.name, {_LAST_WEIGHED} "
            "FROM children c JOIN posyandu p ON p.id = c.posyandu_id "
            f"WHERE {within} AND c.name ILIKE %s ESCAPE '\\' ORDER BY c.name, c.id LIMIT %s",
            (_like_contains(text), limit))
        return [ChildRow(*r) for r in rows]

    def child(self, scope: Scope, child_id: int) -> ChildView | None:
        """A child's page; None when the child is outside the scope or does not exist (the same answer)."""
        within = _within(scope, "c.posyandu_id")
        found = self._db.run(
            f"SELECT {C_CHILD}, p.name, p.village, g.wa_id FROM children c JOIN posyandu p ON p.id = c.posyandu_id "
            "LEFT JOIN guardians g ON g.id = c.guardian_id AND g.consent_at IS NOT NULL "
            f"WHERE c.id = %s AND {within}", (child_id,))
        if not found:
            return None
        row = found[0]
        measurements = self._db.run(
            f"SELECT {M_MEASUREMENT} FROM measurements m JOIN children c ON c.id = m.child_id "
            f"WHERE m.child_id = %s AND {within} ORDER BY m.measured_on DESC, m.id DESC LIMIT %s",
            (child_id, MEASUREMENTS_MAX))
        # outbound_messages names the family, not the child: the family's messages of the last MESSAGES_DAYS days.
        messages = self._db.run(
            "SELECT o.sent_at, o.kind, o.status, o.status_at FROM outbound_messages o "
            "JOIN children c ON c.guardian_id = o.guardian_id "
            f"WHERE c.id = %s AND {within} AND o.sent_at >= now() - make_interval(days => %s) "
            "ORDER BY o.sent_at DESC, o.wamid LIMIT %s", (child_id, view.MESSAGES_DAYS, MESSAGES_MAX)) \
            if row[4] is not None else []
        reminders = self._db.run(
            "SELECT r.kind, r.due_on, r.sent_at, r.answer, r.cancel_reason FROM reminders r "
            f"JOIN children c ON c.id = r.child_id WHERE r.child_id = %s AND {within} "
            "ORDER BY r.due_on DESC, r.id DESC LIMIT %s", (child_id, REMINDERS_MAX))
        return ChildView(Child(*row[:6]), row[6], row[7], row[8], [measurement_from_row(*r) for r in measurements],
                         [MessageRow(*r) for r in messages], [ReminderRow(*r) for r in reminders])

    def export_month(self, scope: Scope, posyandu_id: int, month: date) -> list[dict] | None:
        """The posyandu's trusted measurements of the month as e-PPGBM import rows ({header: text} in
        EPPGBM_COLUMNS order), by child name and date; a value still waiting for a re-measure, or replaced by one,
        is not exported. None when the posyandu is outside the scope."""
        rows = self._db.run(
            f"SELECT p.name, p.village, {C_CHILD}, {M_MEASUREMENT} FROM posyandu p "
            "LEFT JOIN (children c JOIN measurements m ON m.child_id = c.id "
            f"  AND m.measured_on BETWEEN %s AND %s AND {_TRUSTED}) ON c.posyandu_id = p.id "
            f"WHERE p.id = %s AND {_within(scope, 'p.id')} ORDER BY c.name, c.id, m.measured_on, m.id",
            (month.replace(day=1), month_end(month), posyandu_id))
        if not rows:
            return None
        return [view.eppgbm_row(Child(*r[2:8]), r[0], r[1], measurement_from_row(*r[8:])) for r in rows if r[2] is not None]

    def audit_view(self, staff_id: int, action: str, entity: str, entity_id: int | None,
                   detail: dict | None = None) -> None:
        """Record that a staff member read something (a child's page, an export): ids only, never the data."""
        self._db.run("INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES (%s, %s, %s, %s, %s)",
                     (f"staff:{int(staff_id)}", action, entity, entity_id, json.dumps(detail or {})))
