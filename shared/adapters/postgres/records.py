"""The Records port over PostgreSQL: single statements, and units of work that each run in one transaction."""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime
from typing import Iterator

import pg8000.dbapi

from shared.adapters.postgres.connections import Database, query
from shared.domain.model import DELIVERY_STATUS_RANK, Arrival, Child, Guardian, Measurement, Staff
from shared.domain.recap import RecapChild, RecapMeasurement
from shared.errors import TransientError
from shared.ports import DueReminder, PlanChild, SheetChild, SheetItems, SheetMeasurement

# Statuses arrive out of order: a stored one is replaced only by a higher rank (the rank lives in the domain).
_RANK_SQL = "CASE status " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in DELIVERY_STATUS_RANK.items()) + " END"
OUTBOX_LEASE_S = 120  # a claimed outbox row is invisible to other senders this long (a crashed sender's row returns)
# The columns Child and Measurement are built from (in their constructors' order), bare and as c.* / m.* of a join.
CHILD_COLUMNS = "id, name, sex, birth_date, guardian_id, posyandu_id"
MEASUREMENT_COLUMNS = ("child_id, measured_on, weight_kg, lenhei_cm, measure, headc_cm, armc_cm, oedema, flags, "
                       "assessment, id, review, age_months_given")


def _of(alias: str, columns: str) -> str:
    """Columns qualified by a table alias: 'id, name' -> 'c.id, c.name'."""
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


C_CHILD, M_MEASUREMENT = _of("c", CHILD_COLUMNS), _of("m", MEASUREMENT_COLUMNS)


class PgUnitOfWork:
    """The UnitOfWork port on one transaction (see PostgresRecords.transaction), which its first statement begins.

    It remembers whether a statement failed: PostgreSQL then refuses the rest of the transaction and answers a
    COMMIT by rolling back, so a unit of work that caught the error and went on must not report success.
    """

    def __init__(self, conn):
        self._conn = conn
        self._begun = False
        self._failed = False

    def _run(self, sql: str, params):
        try:
            if not self._begun:
                self._begun = True  # before sending: a BEGIN whose answer is lost is still rolled back
                self._conn.execute_simple("BEGIN")
            return query(self._conn, sql, params)
        except pg8000.dbapi.DatabaseError:
            self._failed = True
            raise

    def _commit(self) -> None:
        if self._failed:
            raise RuntimeError("a database error was swallowed inside the unit of work; nothing was committed")
        if self._begun:
            self._conn.execute_simple("COMMIT")  # one round trip; the DB-API commit() takes three

    def _rollback(self) -> None:
        if self._begun:
            self._conn.execute_simple("ROLLBACK")

    def _exec(self, sql: str, params: tuple | dict = ()) -> int:
        return self._run(sql, params).row_count

    def _one(self, sql: str, params: tuple | dict = ()):
        rows = self._run(sql, params).rows
        return rows[0] if rows else None

    def _all(self, sql: str, params: tuple | list | dict = ()) -> list:
        return self._run(sql, params).rows or []

    _GUARDIAN = "id, wa_id, language, consent_at, opted_out_at, last_inbound_at, unreachable_at, consent_version"
    _CHILD = CHILD_COLUMNS

    def begin_message(self, wamid: str, wa_hash: str, kind: str, wa_id: str, now: datetime,
                      child_id: int | None = None, measurements: int = 0) -> Arrival | None:
        # One round trip for what every message needs: record its id (None when it was already recorded),
        # note the guardian's last inbound time, and load who is writing with their children.
        rows = self._all(
            "WITH ins AS (INSERT INTO inbound_messages (wamid, wa_hash, kind) VALUES (%(wamid)s, %(wa_hash)s, "
            "  %(kind)s) ON CONFLICT (wamid) DO NOTHING RETURNING 1), "
            "touched AS (UPDATE guardians SET last_inbound_at = %(now)s WHERE wa_id = %(wa_id)s "
            "  AND EXISTS (SELECT 1 FROM ins) "
            "  RETURNING id), "
            # Messages held back because this person's 24-hour window had closed go out now that it is open.
            "reopened AS (UPDATE outbox SET next_attempt_at = now() WHERE kind = 'send' AND done_at IS NULL "
            "  AND last_error = 'OutsideWindow' AND payload->>'to' = %(wa_id)s AND EXISTS (SELECT 1 FROM ins)) "
            "SELECT (SELECT count(*) FROM ins), s.id, s.wa_id, s.name, s.role, s.posyandu_id, s.language, "
            f"{_of('g', self._GUARDIAN)}, "
            f"{C_CHILD} "
            # The child the conversation is about: its latest measurements, as one JSON value (newest first).
            ", (SELECT json_agg(json_build_array(" + self._MEASUREMENT + ") ORDER BY measured_on DESC, id DESC) "
            "  FROM (SELECT * FROM measurements "
            "  WHERE child_id = %(child_id)s ORDER BY measured_on DESC, id DESC LIMIT %(measurements)s) m) "
            "FROM (SELECT 1) one LEFT JOIN staff s ON s.wa_id = %(wa_id)s AND s.active "
            "LEFT JOIN guardians g ON g.wa_id = %(wa_id)s AND s.id IS NULL "
            "LEFT JOIN children c ON c.guardian_id = g.id ORDER BY c.id",
            {"wamid": wamid, "wa_hash": wa_hash, "kind": kind, "now": now, "wa_id": wa_id, "child_id": child_id,
             "measurements": measurements})
        if not rows or rows[0][0] == 0:
            return None
        first = rows[0]
        staff = Staff(*first[1:7]) if first[1] is not None else None
        guardian = Guardian(*first[7:15]) if first[7] is not None else None
        children = [Child(*r[15:21]) for r in rows if r[15] is not None]
        if staff is not None and staff.posyandu_id:
            children = self.children_of_posyandu(staff.posyandu_id)
        history = None
        if child_id is not None and measurements:
            history = [measurement_from_row(r[0], date.fromisoformat(r[1]), *r[2:]) for r in first[21] or ()]
        return Arrival(staff, guardian, children, history)

    def record_measurement(self, m: Measurement, source: str, source_ref: str, actor: str,
                           entered_by_staff: int | None = None) -> int | None:
        # The measurement, its Sheet-mirror outbox row and its audit entry in one statement.
        row = self._one(
            "WITH m AS (INSERT INTO measurements (child_id, measured_on, weight_kg, lenhei_cm, measure, headc_cm, "
            "  armc_cm, oedema, source, source_ref, entered_by_staff, flags, assessment, review, age_months_given) "
            "  VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "  ON CONFLICT (source_ref) DO NOTHING RETURNING id, child_id), "
            "q AS (INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_upsert', "
            "  json_build_object('child_id', child_id, 'measurement_id', id), 'measurement:' || id FROM m "
            "  ON CONFLICT (dedupe_key) DO NOTHING), "
            "a AS (INSERT INTO audit_log (actor, action, entity, entity_id, detail) "
            "  SELECT %s, 'measurement.create', 'measurement', id, %s FROM m), "
            # The child's reminders are planned again from this measurement at the next scheduler run.
            "p AS (UPDATE children SET reminders_planned_on = NULL WHERE id IN (SELECT child_id FROM m)) "
            "SELECT id FROM m",
            (m.child_id, m.measured_on, m.weight_kg, m.lenhei_cm, m.measure, m.headc_cm, m.armc_cm, m.oedema,
             source, source_ref, entered_by_staff, list(m.flags), json.dumps(m.assessment), m.review,
             m.age_months_given, actor, json.dumps({"flags": list(m.flags)})))
        return row[0] if row else None

    def queue_sends(self, items: list[tuple[dict, str]]) -> list[tuple[int, dict]]:
        # Leased from the start: the caller sends them right after commit, so no other sender may take them.
        if not items:
            return []
        values = ", ".join(["('send', %s, %s, now() + make_interval(secs => %s))"] * len(items))
        params: list = []
        for payload, key in items:
            params += [json.dumps(payload), key, OUTBOX_LEASE_S]
        rows = self._all(f"INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at) VALUES {values} "
                         "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key", params)
        by_key = {key: payload for payload, key in items}
        return [(row_id, by_key[key]) for row_id, key in sorted(rows, key=lambda r: r[1])]


    def find_guardian(self, wa_id: str) -> Guardian | None:
        row = self._one(f"SELECT {self._GUARDIAN} FROM guardians WHERE wa_id = %s", (wa_id,))
        return Guardian(*row) if row else None

    def guardian_by_id(self, guardian_id: int) -> Guardian | None:
        row = self._one(f"SELECT {self._GUARDIAN} FROM guardians WHERE id = %s", (guardian_id,))
        return Guardian(*row) if row else None

    def create_guardian(self, wa_id: str, language: str, consent_version: str, now: datetime) -> Guardian:
        row = self._one(
            "INSERT INTO guardians (wa_id, language, consent_at, consent_version, last_inbound_at) "
            "VALUES (%(wa_id)s, %(language)s, %(now)s, %(consent_version)s, %(now)s) ON CONFLICT (wa_id) DO UPDATE "
            "SET consent_at = EXCLUDED.consent_at, consent_version = EXCLUDED.consent_version, "
            f"language = EXCLUDED.language, updated_at = now() RETURNING {self._GUARDIAN}",
            {"wa_id": wa_id, "language": language, "now": now, "consent_version": consent_version})
        return Guardian(*row)

    _GUARDIAN_FIELDS = {"language", "opted_out_at", "last_inbound_at", "unreachable_at"}

    def update_guardian(self, guardian_id: int, **fields) -> None:
        unknown = set(fields) - self._GUARDIAN_FIELDS
        if unknown:
            raise ValueError(f"cannot update guardian fields {sorted(unknown)}")
        sets = ", ".join(f"{name} = %s" for name in fields)
        self._exec(f"UPDATE guardians SET {sets}, updated_at = now() WHERE id = %s", (*fields.values(), guardian_id))

    def update_staff_language(self, staff_id: int, language: str) -> None:
        self._exec("UPDATE staff SET language = %s WHERE id = %s", (language, staff_id))

    def delete_number(self, wa_id: str, claims_hash: str) -> dict:
        # Everything linked to a number, whoever entered it: the family (its children and their measurements
        # cascade), children a kader registered with this number as the parent's, a "do not ask again" refusal,
        # and every message still waiting to go to the number or to mirror those children into the Sheet.
        row = self._one(
            "WITH g AS (SELECT id FROM guardians WHERE wa_id = %(wa_id)s), "
            "c AS (SELECT id, posyandu_id FROM children WHERE guardian_id IN (SELECT id FROM g) "
            "  OR (guardian_id IS NULL AND parent_wa_id = %(wa_id)s)), "
            "m AS (SELECT count(*) AS n FROM measurements WHERE child_id IN (SELECT id FROM c)), "
            # Which rows go from which posyandu's Sheet: after this statement nothing says where they were.
            "sh AS (SELECT json_agg(json_build_object('posyandu_id', c.posyandu_id, 'child_ids', "
            "  (SELECT json_agg(c2.id ORDER BY c2.id) FROM c c2 WHERE c2.posyandu_id = c.posyandu_id), "
            "  'measurement_ids', (SELECT coalesce(json_agg(x.id ORDER BY x.id), '[]') FROM measurements x "
            "  JOIN c c3 ON c3.id = x.child_id WHERE c3.posyandu_id = c.posyandu_id)) ORDER BY c.posyandu_id) AS j "
            "  FROM (SELECT DISTINCT posyandu_id FROM c WHERE posyandu_id IS NOT NULL) c), "
            "o AS (DELETE FROM outbox WHERE done_at IS NULL AND ((kind = 'send' AND payload->>'to' = %(wa_id)s) "
            "  OR (kind = 'sheet_upsert' AND (payload->>'child_id')::bigint IN (SELECT id FROM c)))), "
            "r AS (DELETE FROM claim_refusals WHERE wa_hash = %(claims_hash)s RETURNING 1), "
            "dc AS (DELETE FROM children WHERE id IN (SELECT id FROM c) RETURNING id), "
            "dg AS (DELETE FROM guardians WHERE id IN (SELECT id FROM g) RETURNING id) "
            "SELECT (SELECT id FROM g), ARRAY(SELECT id FROM dc ORDER BY id), (SELECT n FROM m), "
            "(SELECT count(*) FROM r), (SELECT j FROM sh)",
            {"wa_id": wa_id, "claims_hash": claims_hash})
        return {"guardian_id": row[0], "child_ids": list(row[1] or []), "measurements": int(row[2]),
                "refusals": int(row[3]), "sheets": list(row[4] or [])}

    def posyandu_list(self, limit: int = 200) -> list[dict]:
        rows = self._all("SELECT id, name, village FROM posyandu ORDER BY name LIMIT %s", (limit,))
        return [{"id": r[0], "name": r[1], "village": r[2]} for r in rows]

    def posyandu_name(self, posyandu_id: int) -> str:
        row = self._one("SELECT name FROM posyandu WHERE id = %s", (posyandu_id,))
        return row[0] if row else ""



    def children_of_posyandu(self, posyandu_id: int, limit: int = 2000) -> list[Child]:
        return [Child(*r) for r in self._all(f"SELECT {self._CHILD} FROM children WHERE posyandu_id = %s "
                                             "ORDER BY name, id LIMIT %s", (posyandu_id, limit))]

    def add_child(self, guardian_id, name, sex, birth_date, registered_by=None, posyandu_id=None,
                  parent_wa_id=None) -> Child:
        row = self._one("INSERT INTO children (guardian_id, name, sex, birth_date, registered_by, posyandu_id, "
                        "parent_wa_id, parent_claimed_at) VALUES (%(guardian_id)s, %(name)s, %(sex)s, "
                        "%(birth_date)s, %(registered_by)s, %(posyandu_id)s, %(parent_wa_id)s, "
                        f"CASE WHEN %(parent_wa_id)s::text IS NULL THEN NULL ELSE now() END) RETURNING {self._CHILD}",
                        {"guardian_id": guardian_id, "name": name, "sex": sex, "birth_date": birth_date,
                         "registered_by": registered_by, "posyandu_id": posyandu_id, "parent_wa_id": parent_wa_id})
        return Child(*row)

    def claim_on(self, child_id: int, wa_id: str) -> None:
        # A kader gave (another) parent number for a child not yet in a family: the newest claim is the one asked.
        self._exec("UPDATE children SET parent_wa_id = %s, parent_claimed_at = now(), claim_asked_at = NULL, "
                   "updated_at = now() WHERE id = %s AND guardian_id IS NULL", (wa_id, child_id))

    def claims_to_ask(self, wa_id: str, claims_hash: str) -> list[Child]:
        # Claims on this number never asked yet, marked asked in the same statement (a claim is asked once). A
        # number whose owner said "do not ask again" is never asked: those claims are dropped instead.
        rows = self._all(
            "WITH refused AS (UPDATE children SET parent_wa_id = NULL, parent_claimed_at = NULL, updated_at = now() "
            "  WHERE parent_wa_id = %(wa_id)s AND guardian_id IS NULL "
            "  AND EXISTS (SELECT 1 FROM claim_refusals WHERE wa_hash = %(claims_hash)s)) "
            "UPDATE children SET claim_asked_at = now() WHERE parent_wa_id = %(wa_id)s AND guardian_id IS NULL "
            "AND claim_asked_at IS NULL AND NOT EXISTS (SELECT 1 FROM claim_refusals WHERE wa_hash = %(claims_hash)s) "
            f"RETURNING {self._CHILD}", {"wa_id": wa_id, "claims_hash": claims_hash})
        return sorted((Child(*r) for r in rows), key=lambda c: c.id)

    def claimed_child(self, child_id: int, wa_id: str) -> Child | None:
        row = self._one(f"SELECT {self._CHILD} FROM children WHERE id = %s AND parent_wa_id = %s "
                        "AND guardian_id IS NULL", (child_id, wa_id))
        return Child(*row) if row else None

    def answer_claim(self, child_id: int, wa_id: str, guardian_id: int | None) -> bool:
        # Yes (a guardian id): the child joins the family. No (None): the number is dropped from the child.
        return self._exec("UPDATE children SET guardian_id = %s, parent_wa_id = NULL, parent_claimed_at = NULL, "
                          "claim_asked_at = NULL, updated_at = now() WHERE id = %s AND parent_wa_id = %s "
                          "AND guardian_id IS NULL", (guardian_id, child_id, wa_id)) == 1

    def refuse_claims(self, claims_hash: str) -> None:
        self._exec("INSERT INTO claim_refusals (wa_hash) VALUES (%s) ON CONFLICT (wa_hash) DO NOTHING",
                   (claims_hash,))

    def claims_on(self, wa_id: str) -> int:
        row = self._one("SELECT count(*) FROM children WHERE parent_wa_id = %s AND guardian_id IS NULL", (wa_id,))
        return int(row[0])

    def family_record(self, guardian_id: int) -> list[tuple[Child, str, int, date | None]]:
        # What DATA SAYA shows of each child: the child, its posyandu's name, how many measurements, the latest.
        rows = self._all(
            f"SELECT {C_CHILD}, coalesce(p.name, ''), "
            "(SELECT count(*) FROM measurements m WHERE m.child_id = c.id), "
            "(SELECT max(measured_on) FROM measurements m WHERE m.child_id = c.id) "
            "FROM children c LEFT JOIN posyandu p ON p.id = c.posyandu_id WHERE c.guardian_id = %s ORDER BY c.id",
            (guardian_id,))
        return [(Child(*r[:6]), r[6], int(r[7]), r[8]) for r in rows]

    def correct_child(self, child_id: int, **fields) -> None:
        unknown = set(fields) - {"name", "sex", "birth_date"}
        if unknown:
            raise ValueError(f"cannot correct child fields {sorted(unknown)}")
        sets = ", ".join(f"{name} = %s" for name in fields)
        # The child's Sheet row follows the correction (its measurements are re-queued by restate_measurements).
        self._exec(f"WITH u AS (UPDATE children SET {sets}, updated_at = now(), sheet_synced_at = NULL "
                   "WHERE id = %s RETURNING id) INSERT INTO outbox (kind, payload, dedupe_key) "
                   "SELECT 'sheet_upsert', json_build_object('child_id', id), 'child:' || id || ':' || txid_current() "
                   "FROM u ON CONFLICT (dedupe_key) DO NOTHING", (*fields.values(), child_id))

    def restate_measurements(self, rows: list[tuple[int, tuple[str, ...], dict, str | None]]) -> None:
        # (id, flags, assessment, review) recomputed after a correction of the child's sex or birth date; each
        # is mirrored again. Once the child has a birth date, the age a family gave instead is no longer what the
        # result was computed with, so it goes (migration 0007: NULL when the birth date is known).
        if not rows:
            return
        self._exec(
            "WITH r AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) "
            "  AS t(id, flags, assessment, review)), "
            "u AS (UPDATE measurements m SET flags = r.flags::text[], assessment = r.assessment::jsonb, "
            "  review = r.review, sheet_synced_at = NULL, age_months_given = CASE WHEN (SELECT c.birth_date "
            "  FROM children c WHERE c.id = m.child_id) IS NULL THEN m.age_months_given END "
            "  FROM r WHERE m.id = r.id RETURNING m.id, m.child_id) "
            "INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_upsert', "
            "  json_build_object('child_id', child_id, 'measurement_id', id), "
            "  'measurement:' || id || ':' || txid_current() FROM u ON CONFLICT (dedupe_key) DO NOTHING",
            ([r[0] for r in rows], ["{" + ",".join(r[1]) + "}" for r in rows], [json.dumps(r[2]) for r in rows],
             [r[3] for r in rows]))

    _MEASUREMENT = MEASUREMENT_COLUMNS

    def sheet_posyandu(self, spreadsheet_id: str) -> list[int]:
        return [r[0] for r in self._all("SELECT id FROM posyandu WHERE spreadsheet_id = %s ORDER BY id",
                                        (spreadsheet_id,))]

    def measurement_with_child(self, measurement_id: int) -> tuple[Measurement, Child] | None:
        row = self._one(f"SELECT {M_MEASUREMENT}, {C_CHILD} FROM measurements m JOIN children c ON c.id = m.child_id "
                        "WHERE m.id = %s", (measurement_id,))
        return (measurement_from_row(*row[:13]), Child(*row[13:])) if row else None

    def delete_measurement(self, measurement_id: int) -> None:
        # Its Sheet row goes too (already gone when a kader deleted it there: deleting nothing is fine).
        self._exec(
            "WITH d AS (DELETE FROM measurements m USING children c WHERE m.id = %s AND c.id = m.child_id "
            "  RETURNING m.id, c.posyandu_id), "
            "o AS (DELETE FROM outbox WHERE done_at IS NULL AND kind = 'sheet_upsert' "
            "  AND payload->>'measurement_id' IN (SELECT id::text FROM d)) "
            "INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_delete', "
            "  json_build_object('posyandu_id', posyandu_id, 'measurement_ids', json_build_array(id)), "
            "  'delete:measurement:' || id FROM d WHERE posyandu_id IS NOT NULL ON CONFLICT (dedupe_key) DO NOTHING",
            (measurement_id,))

    def correct_measurement(self, measurement_id: int, **fields) -> None:
        unknown = set(fields) - {"measured_on", "weight_kg", "lenhei_cm", "measure", "headc_cm", "armc_cm", "oedema",
                                 "age_months_given"}
        if unknown:
            raise ValueError(f"cannot correct measurement fields {sorted(unknown)}")
        if fields:  # restate_measurements recomputes and re-mirrors it
            sets = ", ".join(f"{name} = %s" for name in fields)
            self._exec(f"UPDATE measurements SET {sets} WHERE id = %s", (*fields.values(), measurement_id))

    def measurements_of(self, child_id: int, limit: int = 12) -> list[Measurement]:
        rows = self._all(f"SELECT {self._MEASUREMENT} FROM measurements WHERE child_id = %s "
                         "ORDER BY measured_on DESC, id DESC LIMIT %s", (child_id, limit))
        return [measurement_from_row(*r) for r in rows]

    def revise_measurements(self, revisions: list[tuple[int, dict | None, str | None]]) -> None:
        # (id, new assessment or None to keep it, new review or None to keep it), in one statement; each revised
        # row is mirrored again (its Sheet row is re-queued under a key of its own, so it is never skipped as a
        # duplicate of the first upsert).
        if not revisions:
            return
        self._exec(
            "WITH r AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(id, assessment, review)), "
            "u AS (UPDATE measurements m SET assessment = COALESCE(r.assessment::jsonb, m.assessment), "
            "  review = COALESCE(r.review, m.review), sheet_synced_at = NULL FROM r WHERE m.id = r.id "
            "  RETURNING m.id, m.child_id) "
            "INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_upsert', "
            "  json_build_object('child_id', child_id, 'measurement_id', id), "
            "  'measurement:' || id || ':' || txid_current() FROM u ON CONFLICT (dedupe_key) DO NOTHING",
            ([r[0] for r in revisions], [None if r[1] is None else json.dumps(r[1]) for r in revisions],
             [r[2] for r in revisions]))

    def staff_of_posyandu(self, posyandu_id: int) -> list[Staff]:
        rows = self._all("SELECT id, wa_id, name, role, posyandu_id, language FROM staff WHERE posyandu_id = %s "
                         "AND active AND role IN ('kader', 'bidan') ORDER BY id", (posyandu_id,))
        return [Staff(*r) for r in rows]

    def to_review(self, posyandu_id: int, since: date, limit: int = 30) -> list[tuple[Child, Measurement]]:
        rows = self._all(
            f"SELECT {C_CHILD}, "
            f"{M_MEASUREMENT} FROM measurements m "
            "JOIN children c ON c.id = m.child_id WHERE c.posyandu_id = %s AND m.review IN ('remeasure', 'confirmed') "
            "AND m.measured_on >= %s ORDER BY m.review = 'confirmed' DESC, m.measured_on DESC, m.id DESC LIMIT %s",
            (posyandu_id, since, limit))
        return [(Child(*r[:6]), measurement_from_row(*r[6:])) for r in rows]

    def posyandu_day(self, posyandu_id: int, on: date, limit: int = 200) -> list[tuple[Child, Measurement, str]]:
        # Each child's latest measurement of the day entered by staff, and the parent's side: the family's state now
        # (an unreachable number Meta reported after sending counts) and the "message.parent" audit entry the
        # measuring turn wrote in the same transaction (so at the measurement's own created_at), whose kind says
        # whether the full result or the template went out.
        rows = self._all(
            f"SELECT {C_CHILD}, "
            f"{M_MEASUREMENT}, "
            "CASE WHEN m.review = 'remeasure' THEN 'remeasure' "
            "  WHEN c.guardian_id IS NULL AND c.parent_wa_id IS NULL THEN 'no_number' "
            "  WHEN c.guardian_id IS NULL THEN 'claim_pending' "
            "  WHEN g.unreachable_at IS NOT NULL THEN 'unreachable' "
            "  WHEN told.kind = 'result_template' THEN 'template' "
            "  WHEN told.kind IS NOT NULL THEN 'sent' "
            "  WHEN g.opted_out_at IS NOT NULL THEN 'stopped' "
            "  ELSE 'not_sent' END "
            "FROM (SELECT DISTINCT ON (m.child_id) m.* FROM measurements m JOIN children c ON c.id = m.child_id "
            "  WHERE c.posyandu_id = %(posyandu)s AND m.measured_on = %(on)s AND m.entered_by_staff IS NOT NULL "
            "  ORDER BY m.child_id, m.id DESC) m "
            "JOIN children c ON c.id = m.child_id LEFT JOIN guardians g ON g.id = c.guardian_id "
            "LEFT JOIN LATERAL (SELECT a.detail->>'kind' AS kind FROM audit_log a WHERE a.entity = 'child' "
            "  AND a.entity_id = c.id AND a.action = 'message.parent' AND a.at >= m.created_at "
            "  ORDER BY a.id DESC LIMIT 1) told ON true "
            "ORDER BY c.name, c.id LIMIT %(limit)s",
            {"posyandu": posyandu_id, "on": on, "limit": limit})
        return [(Child(*r[:6]), measurement_from_row(*r[6:19]), r[19]) for r in rows]

    _DUE = ("r.id, r.kind, r.due_on, r.basis_on, c.id, c.name, c.birth_date, g.id, g.wa_id, g.language, "
            "g.opted_out_at IS NOT NULL, g.unreachable_at IS NOT NULL OR g.reminders_refused_at IS NOT NULL, "
            "g.last_inbound_at, "
            "(SELECT max(measured_on) FROM measurements WHERE child_id = c.id), coalesce(p.time_zone, 'Asia/Jakarta'), "
            "coalesce(p.name, '')")
    _DUE_FROM = ("FROM reminders r JOIN children c ON c.id = r.child_id JOIN guardians g ON g.id = r.guardian_id "
                 "LEFT JOIN posyandu p ON p.id = c.posyandu_id")

    def due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        rows = self._all(f"SELECT {self._DUE} {self._DUE_FROM} WHERE r.sent_at IS NULL AND r.cancelled_at IS NULL "
                         "AND r.send_after <= %s ORDER BY r.send_after, r.id LIMIT %s FOR UPDATE OF r SKIP LOCKED",
                         (now, limit))
        return [DueReminder(*r) for r in rows]

    def finish_reminder(self, reminder_id: int, *, sent_at: datetime | None = None, cancel_reason: str | None = None,
                        send_after: datetime | None = None) -> None:
        self._exec("UPDATE reminders SET sent_at = coalesce(%s, sent_at), "
                   "cancelled_at = CASE WHEN %s::text IS NULL THEN cancelled_at ELSE now() END, "
                   "cancel_reason = coalesce(%s, cancel_reason), send_after = coalesce(%s, send_after) WHERE id = %s",
                   (sent_at, cancel_reason, cancel_reason, send_after, reminder_id))

    def posyandu_days(self, known_only: bool = True) -> list[tuple[int, str, int | None, int | None, str]]:
        return [(r[0], r[1], r[2], r[3], r[4]) for r in self._all(
            "SELECT id, name, day_of_month, weekday, time_zone FROM posyandu "
            "WHERE NOT %s OR day_of_month IS NOT NULL OR weekday IS NOT NULL ORDER BY id", (known_only,))]

    def posyandu_list_for_day(self, posyandu_id: int, month_start: date) -> list[tuple[Child, date | None, str | None,
                                                                                      bool]]:
        rows = self._all(
            f"SELECT {C_CHILD}, lm.measured_on, lm.assessment->>'tier', "
            "  coalesce((lm.assessment->'gain'->>'two_t')::boolean, false) "
            "FROM children c LEFT JOIN LATERAL (SELECT measured_on, assessment FROM measurements m "
            "  WHERE m.child_id = c.id AND (m.review IS NULL OR m.review = 'confirmed') "
            "  ORDER BY measured_on DESC, id DESC LIMIT 1) lm ON true "
            "WHERE c.posyandu_id = %s ORDER BY c.name, c.id", (posyandu_id,))
        return [(Child(*r[:6]), r[6], r[7], bool(r[8])) for r in rows]

    def unanswered_followups(self, sent_before: datetime, limit: int) -> list[tuple[int, Child, date | None]]:
        rows = self._all(f"SELECT r.id, r.basis_on, {C_CHILD} FROM reminders r JOIN children c ON c.id = r.child_id "
                         "WHERE r.kind = 'followup' AND r.sent_at IS NOT NULL AND r.sent_at <= %s "
                         "AND r.answered_at IS NULL AND r.escalated_at IS NULL ORDER BY r.sent_at, r.id LIMIT %s "
                         "FOR UPDATE OF r SKIP LOCKED", (sent_before, limit))
        return [(r[0], Child(*r[2:]), r[1]) for r in rows]

    def mark_escalated(self, reminder_id: int, at: datetime) -> None:
        self._exec("UPDATE reminders SET escalated_at = %s WHERE id = %s", (at, reminder_id))

    def answer_reminder(self, reminder_id: int, guardian_id: int, answer: str, at: datetime) -> DueReminder | None:
        row = self._one(
            f"WITH a AS (UPDATE reminders SET answered_at = %s, answer = %s WHERE id = %s AND guardian_id = %s "
            f"RETURNING id) SELECT {self._DUE} {self._DUE_FROM} WHERE r.id IN (SELECT id FROM a)",
            (at, answer, reminder_id, guardian_id))
        return DueReminder(*row) if row else None

    def add_reminder(self, child_id: int, guardian_id: int, kind: str, due_on: date, send_after: datetime,
                     basis_on: date | None) -> bool:
        return self._exec("INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, basis_on) "
                          "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (child_id, kind, due_on) DO NOTHING",
                          (child_id, guardian_id, kind, due_on, send_after, basis_on)) > 0

    def queue(self, kind: str, payload: dict, dedupe_key: str | None = None) -> bool:
        return self._exec("INSERT INTO outbox (kind, payload, dedupe_key) VALUES (%s, %s, %s) "
                          "ON CONFLICT (dedupe_key) DO NOTHING", (kind, json.dumps(payload), dedupe_key)) > 0

    def audit(self, actor: str, action: str, entity: str, entity_id: int | None, detail: dict | None = None) -> None:
        self._exec("INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES (%s, %s, %s, %s, %s)",
                   (actor, action, entity, entity_id, json.dumps(detail or {})))


def measurement_from_row(child_id, measured_on, weight_kg, lenhei_cm, measure, headc_cm, armc_cm, oedema, flags,
                         assessment, row_id, review=None, age_months_given=None) -> Measurement:
    return Measurement(child_id, measured_on, _float(weight_kg), _float(lenhei_cm), measure, _float(headc_cm),
                       _float(armc_cm), oedema, tuple(flags or ()), assessment or {}, row_id, review,
                       _float(age_months_given))


def _float(value) -> float | None:
    return None if value is None else float(value)


class PostgresRecords(Database):
    """The Records port over PostgreSQL."""

    @contextmanager
    def transaction(self) -> Iterator[PgUnitOfWork]:
        """One transaction: commit when the block ends, roll back on any error (a lost connection is transient)."""
        uow = PgUnitOfWork(self.connection())
        try:
            yield uow
            uow._commit()
        except (pg8000.dbapi.InterfaceError, OSError) as exc:
            self.discard()
            raise TransientError(f"PostgreSQL connection lost: {type(exc).__name__}") from exc
        except BaseException:
            try:
                uow._rollback()
            except Exception:
                self.discard()
            raise

    def claim_outbox(self, kind: str, dedupe_prefix: str | None, limit: int) -> list[tuple[int, dict]]:
        # The database's clock schedules the outbox (next_attempt_at is always set from now()).
        prefix_sql, params = ("AND dedupe_key LIKE %s", (kind, _like_prefix(dedupe_prefix), limit)) \
            if dedupe_prefix else ("", (kind, limit))
        rows = self.run(
            "UPDATE outbox SET attempts = attempts + 1, "
            f"next_attempt_at = now() + interval '{OUTBOX_LEASE_S} seconds' "
            "WHERE id IN (SELECT id FROM outbox WHERE kind = %s AND done_at IS NULL AND next_attempt_at <= now() "
            f"{prefix_sql} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, payload", params)
        return sorted((r[0], r[1]) for r in rows)

    def claim_handed_off(self, row_ids: list[int]) -> list[tuple[int, dict]]:
        # attempts = 0 is the ticket: only a row nobody has tried yet is taken, and taking it counts an attempt.
        rows = self.run(
            "UPDATE outbox SET attempts = attempts + 1, "
            f"next_attempt_at = now() + interval '{OUTBOX_LEASE_S} seconds' "
            "WHERE id IN (SELECT id FROM outbox WHERE id = ANY(%s) AND kind = 'send' AND done_at IS NULL "
            "AND attempts = 0 ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING id, payload", ([int(i) for i in row_ids],))
        return sorted((r[0], r[1]) for r in rows)

    def release_handed_off(self, row_ids: list[int]) -> int:
        # Only rows still untouched (attempts = 0): a task that did run after all has claimed its rows already,
        # and the scheduler's claim counts an attempt, so whichever comes first sends each row, once.
        return len(self.run("UPDATE outbox SET next_attempt_at = now() WHERE id = ANY(%s) AND kind = 'send' "
                            "AND done_at IS NULL AND attempts = 0 RETURNING id", ([int(i) for i in row_ids],)))

    def recorded(self, wamid: str) -> bool:
        return bool(self.run("SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE wamid = %s)", (wamid,))[0][0])

    def refuse_reminders(self, guardian_id: int) -> None:
        self.run("WITH g AS (UPDATE guardians SET reminders_refused_at = now() WHERE id = %s "
                 "  AND reminders_refused_at IS NULL RETURNING id) "
                 "UPDATE reminders SET cancelled_at = now(), cancel_reason = 'stopped_business' "
                 "WHERE guardian_id IN (SELECT id FROM g) AND sent_at IS NULL AND cancelled_at IS NULL",
                 (guardian_id,))

    def mark_unreachable(self, guardian_id: int) -> None:
        self.run("UPDATE guardians SET unreachable_at = now() WHERE id = %s AND unreachable_at IS NULL",
                 (guardian_id,))

    def finish_sent(self, sent: list[tuple[int, str, str, int | None]]) -> None:
        # Mark the rows done (payload erased) and remember what Meta accepted, in one statement. deliver() calls it
        # right after each send, so a crash repeats at most the one message whose acceptance it had not yet written.
        if not sent:
            return
        self.run(
            "WITH d AS (UPDATE outbox SET done_at = now(), payload = '{}', last_error = NULL WHERE id = ANY(%s)) "
            "INSERT INTO outbound_messages (wamid, guardian_id, kind) "
            "SELECT w, (SELECT id FROM guardians WHERE id = NULLIF(g, '')::bigint), k "
            "FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(w, g, k) ON CONFLICT (wamid) DO NOTHING",
            ([row_id for row_id, *_ in sent], [w for _, w, _, _ in sent],
             ["" if g is None else str(g) for *_, g in sent], [k or "reply" for _, _, k, _ in sent]))

    def finish_outbox(self, row_id: int, ok: bool, error: str = "", retry_in_s: float | None = 0) -> None:
        if ok or retry_in_s is None:  # done, or given up for good: either way the personal payload goes
            self.run("UPDATE outbox SET done_at = now(), payload = '{}', last_error = %s WHERE id = %s",
                     (None if ok else error[:300], row_id))
        else:
            # At least what the caller (or Meta's Retry-After) asked for, doubling with every failed attempt
            # (15 s, 30 s, 1 min, ... capped at about an hour) so an outage is not hammered.
            self.run("UPDATE outbox SET next_attempt_at = now() + make_interval(secs => "
                     "greatest(%s, least(15 * power(2, greatest(attempts - 1, 0)), 3600))), last_error = %s "
                     "WHERE id = %s", (float(retry_in_s), error[:300], row_id))

    def record_status(self, wamid: str, status: str, at: datetime, error_code: int | None) -> None:
        rank = DELIVERY_STATUS_RANK.get(status)
        if rank is None:
            return
        self.run(
            "UPDATE outbound_messages SET status = %s, status_at = %s, error_code = %s WHERE wamid = %s AND "
            f"({_RANK_SQL}) < %s",
            (status, at, error_code, wamid, rank))
        if status == "failed" and error_code == 131026:  # Meta: undeliverable; tell kader, stop retrying
            self.run("UPDATE guardians SET unreachable_at = %s WHERE id = "
                     "(SELECT guardian_id FROM outbound_messages WHERE wamid = %s)", (at, wamid))

    def last_purge(self) -> tuple[datetime, dict] | None:
        rows = self.run("SELECT at, detail FROM audit_log WHERE entity = 'retention' "
                        "AND action = 'retention.purge' ORDER BY at DESC LIMIT 1")
        return (rows[0][0], rows[0][1]) if rows else None

    def outbox_pending(self) -> int:
        return int(self.run("SELECT count(*) FROM outbox WHERE done_at IS NULL")[0][0])

    def outbox_backlog(self) -> tuple[int, int, float | None]:
        # Held: a send Meta refused because the window had closed (begin_message releases it on the next message).
        pending, held, oldest = self.run(
            "SELECT count(*), count(*) FILTER (WHERE held), extract(epoch FROM now() - min(created_at) "
            "FILTER (WHERE NOT held)) FROM (SELECT created_at, kind = 'send' AND last_error = 'OutsideWindow' "
            "AS held FROM outbox WHERE done_at IS NULL) o")[0]
        return int(pending), int(held), None if oldest is None else float(oldest)

    def refresh_month_counts(self, today: date, limit: int) -> int:
        # The dashboard's statement counts them (one definition); imported here because that module imports this.
        from shared.adapters.postgres.dashboard import PgDashboard

        return PgDashboard(self).refresh_month_counts(today, limit)

    def finish_outbox_rows(self, row_ids: list[int], ok: bool, error: str = "",
                           retry_in_s: float | None = 0) -> None:
        if not row_ids:
            return
        ids = [int(i) for i in row_ids]
        if ok or retry_in_s is None:
            self.run("UPDATE outbox SET done_at = now(), payload = '{}', last_error = %s WHERE id = ANY(%s)",
                     (None if ok else error[:300], ids))
        else:  # the same back-off as finish_outbox, per row (each row counts its own attempts)
            self.run("UPDATE outbox SET next_attempt_at = now() + make_interval(secs => "
                     "greatest(%s, least(15 * power(2, greatest(attempts - 1, 0)), 3600))), last_error = %s "
                     "WHERE id = ANY(%s)", (float(retry_in_s), error[:300], ids))

    def sheet_items(self, child_ids: list[int], measurement_ids: list[int]) -> SheetItems:
        cids, mids = [int(i) for i in child_ids], [int(i) for i in measurement_ids]
        if not cids and not mids:
            return SheetItems([], [])
        measured = self.run(f"SELECT {M_MEASUREMENT}, s.name, m.source FROM measurements m "
                            "LEFT JOIN staff s ON s.id = m.entered_by_staff WHERE m.id = ANY(%s) ORDER BY m.id",
                            (mids,)) if mids else []
        wanted = sorted(set(cids) | {r[0] for r in measured})
        rows = self.run(f"SELECT {C_CHILD}, p.spreadsheet_id, s.name FROM children c "
                        "LEFT JOIN posyandu p ON p.id = c.posyandu_id LEFT JOIN staff s ON s.id = c.registered_by "
                        "WHERE c.id = ANY(%s) ORDER BY c.id", (wanted,))
        # A child with neither a family nor a registering kader was typed into the Sheet by a kader.
        children = {r[0]: SheetChild(Child(*r[:6]), r[6], r[4] is not None, r[7], r[4] is None and r[7] is None)
                    for r in rows}
        measurements = [SheetMeasurement(measurement_from_row(*r[:13]), children[r[0]].child, children[r[0]].spreadsheet_id,
                                         r[13], r[14] == "sheet") for r in measured if r[0] in children]
        return SheetItems(list(children.values()), measurements)

    def children_to_plan(self, today: date, limit: int, default_tz: str) -> list[PlanChild]:
        # The latest trusted measurement of each child (a value waiting for a re-measure is not a basis).
        rows = self.run(
            "SELECT c.id, c.guardian_id, c.birth_date, lm.measured_on, lm.assessment->>'tier', lm.age_months_given, "
            "  p.day_of_month, p.weekday, coalesce(p.time_zone, %s) "
            "FROM children c JOIN guardians g ON g.id = c.guardian_id LEFT JOIN posyandu p ON p.id = c.posyandu_id "
            "LEFT JOIN LATERAL (SELECT measured_on, assessment, age_months_given FROM measurements m "
            "  WHERE m.child_id = c.id AND (m.review IS NULL OR m.review = 'confirmed') "
            "  ORDER BY measured_on DESC, id DESC LIMIT 1) lm ON true "
            "WHERE (c.reminders_planned_on IS NULL OR c.reminders_planned_on < %s) "
            "  AND g.opted_out_at IS NULL AND g.unreachable_at IS NULL AND g.reminders_refused_at IS NULL "
            "ORDER BY c.reminders_planned_on NULLS FIRST, c.id LIMIT %s", (default_tz, today, limit))
        return [PlanChild(r[0], r[1], r[2], r[3], r[4], _float(r[5]), r[6], r[7], r[8]) for r in rows]

    def plan_reminders(self, reminders: list[tuple[int, int, str, date, datetime, date | None]],
                       planned: list[int], today: date) -> int:
        # One statement: the reminders and the children's planned day commit together.
        new = self.run(
            "WITH r AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::date[], "
            "  %s::timestamptz[], %s::date[]) AS t(child_id, guardian_id, kind, due_on, send_after, basis_on)), "
            "i AS (INSERT INTO reminders (child_id, guardian_id, kind, due_on, send_after, basis_on) "
            "  SELECT * FROM r ON CONFLICT (child_id, kind, due_on) DO NOTHING RETURNING 1), "
            "p AS (UPDATE children SET reminders_planned_on = %s WHERE id = ANY(%s)) "
            "SELECT count(*) FROM i",
            ([r[0] for r in reminders], [r[1] for r in reminders], [r[2] for r in reminders],
             [r[3] for r in reminders], [r[4] for r in reminders], [r[5] for r in reminders], today,
             [int(i) for i in planned]))
        return int(new[0][0])

    def sheet_keys(self, spreadsheet_id: str) -> tuple[list[int], list[int]]:
        rows = self.run(
            "SELECT 'c', c.id FROM children c JOIN posyandu p ON p.id = c.posyandu_id WHERE p.spreadsheet_id = %s "
            "UNION ALL SELECT 'm', m.id FROM measurements m JOIN children c ON c.id = m.child_id "
            "JOIN posyandu p ON p.id = c.posyandu_id WHERE p.spreadsheet_id = %s", (spreadsheet_id, spreadsheet_id))
        return sorted(r[1] for r in rows if r[0] == "c"), sorted(r[1] for r in rows if r[0] == "m")

    def sheets_to_reconcile(self, every_s: float, limit: int) -> list[str]:
        rows = self.run(
            "SELECT spreadsheet_id FROM posyandu WHERE spreadsheet_id IS NOT NULL GROUP BY spreadsheet_id "
            "HAVING coalesce(max(sheet_reconciled_at), '-infinity') <= now() - make_interval(secs => %s) "
            "ORDER BY max(sheet_reconciled_at) NULLS FIRST LIMIT %s", (float(every_s), limit))
        return [r[0] for r in rows]

    def upcoming_reminders(self, spreadsheet_id: str, first: date, last: date) -> list[tuple[int, Child, str, date]]:
        rows = self.run(f"SELECT r.id, r.kind, r.due_on, {C_CHILD} FROM reminders r "
                        "JOIN children c ON c.id = r.child_id "
                        "JOIN posyandu p ON p.id = c.posyandu_id WHERE p.spreadsheet_id = %s AND r.sent_at IS NULL "
                        "AND r.cancelled_at IS NULL AND r.due_on BETWEEN %s AND %s ORDER BY r.due_on, c.name, r.id",
                        (spreadsheet_id, first, last))
        return [(r[0], Child(*r[3:]), r[1], r[2]) for r in rows]

    def sheet_cursors(self) -> list[tuple[str, int]]:
        return [(r[0], int(r[1])) for r in self.run(
            "SELECT spreadsheet_id, min(sheet_cursor) FROM posyandu WHERE spreadsheet_id IS NOT NULL "
            "GROUP BY spreadsheet_id ORDER BY spreadsheet_id")]

    def set_sheet_cursor(self, spreadsheet_id: str, cursor: int, reconcile_now: bool = False) -> None:
        self.run("UPDATE posyandu SET sheet_cursor = %s, sheet_reconciled_at = CASE WHEN %s THEN NULL "
                 "ELSE sheet_reconciled_at END WHERE spreadsheet_id = %s", (cursor, reconcile_now, spreadsheet_id))

    def mark_reconciled(self, spreadsheet_id: str) -> None:
        self.run("UPDATE posyandu SET sheet_reconciled_at = now() WHERE spreadsheet_id = %s", (spreadsheet_id,))

    def sheet_pending(self, spreadsheet_id: str) -> int:
        return int(self.run(
            "WITH p AS (SELECT id FROM posyandu WHERE spreadsheet_id = %(s)s) "
            "SELECT count(*) FROM outbox WHERE done_at IS NULL AND ("
            "  (kind = 'sheet_note' AND payload->>'spreadsheet_id' = %(s)s) "
            "  OR (kind = 'sheet_delete' AND (payload->>'posyandu_id')::bigint IN (SELECT id FROM p)) "
            "  OR (kind = 'sheet_upsert' AND (payload->>'child_id')::bigint IN "
            "      (SELECT id FROM children WHERE posyandu_id IN (SELECT id FROM p))))",
            {"s": spreadsheet_id})[0][0])

    def posyandu_sheets(self) -> list[tuple[int, str, str | None]]:
        return [(r[0], r[1], r[2]) for r in self.run("SELECT id, name, spreadsheet_id FROM posyandu ORDER BY id")]

    def recap_inputs(self, spreadsheet_id: str, since: date) -> tuple[list[RecapChild], list[RecapMeasurement]]:
        children = self.run(
            "SELECT c.id, c.birth_date, (SELECT min(measured_on) FROM measurements WHERE child_id = c.id) "
            "FROM children c JOIN posyandu p ON p.id = c.posyandu_id WHERE p.spreadsheet_id = %s ORDER BY c.id",
            (spreadsheet_id,))
        measured = self.run(
            "SELECT m.child_id, m.measured_on, m.weight_kg IS NOT NULL, m.assessment FROM measurements m "
            "JOIN children c ON c.id = m.child_id JOIN posyandu p ON p.id = c.posyandu_id "
            "WHERE p.spreadsheet_id = %s AND m.measured_on >= %s ORDER BY m.measured_on, m.id",
            (spreadsheet_id, since))
        return ([RecapChild(r[0], r[1], r[2]) for r in children],
                [RecapMeasurement(r[0], r[1], bool(r[2]), r[3] or {}) for r in measured])

    def set_spreadsheet(self, posyandu_id: int, spreadsheet_id: str) -> int:
        # The whole register follows: each child and measurement under a key of this transaction, so rows mirrored
        # before (to another spreadsheet, or never) are written again.
        row = self.run(
            "WITH p AS (UPDATE posyandu SET spreadsheet_id = %(sid)s WHERE id = %(p)s RETURNING id), "
            "c AS (SELECT id FROM children WHERE posyandu_id IN (SELECT id FROM p)), "
            "q AS (INSERT INTO outbox (kind, payload, dedupe_key) "
            "  SELECT 'sheet_upsert', json_build_object('child_id', id), 'child:' || id || ':' || txid_current() "
            "  FROM c UNION ALL "
            "  SELECT 'sheet_upsert', json_build_object('child_id', child_id, 'measurement_id', id), "
            "  'measurement:' || id || ':' || txid_current() FROM measurements WHERE child_id IN (SELECT id FROM c) "
            "  ON CONFLICT (dedupe_key) DO NOTHING RETURNING 1) "
            "SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM q)", {"sid": spreadsheet_id, "p": posyandu_id})
        if not row[0][0]:
            raise ValueError(f"no posyandu {posyandu_id}")
        return int(row[0][1])

    def purge_expired(self, now: datetime, periods: dict, limit: int) -> dict[str, int]:
        # periods: kind → timedelta. One bounded statement per kind (params: cutoff, limit), each answering how
        # many rows went; all in one transaction with the run's audit entry, and runs never overlap (the lock).
        gone = "WITH gone AS ({}) SELECT count(*) FROM gone"
        statements = {
            "inbound_messages": gone.format(
                "DELETE FROM inbound_messages WHERE wamid IN (SELECT wamid FROM inbound_messages "
                "WHERE received_at < %s LIMIT %s) RETURNING 1"),
            "outbox_done": gone.format(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE done_at < %s AND last_error IS NULL "
                "LIMIT %s) RETURNING 1"),
            "outbox_failed": gone.format(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE done_at < %s "
                "AND last_error IS NOT NULL LIMIT %s) RETURNING 1"),
            "outbound_messages": gone.format(
                "DELETE FROM outbound_messages WHERE wamid IN (SELECT wamid FROM outbound_messages "
                "WHERE sent_at < %s LIMIT %s) RETURNING 1"),
            # Only the unconfirmed number goes: the child stays with its posyandu. Rows claimed before the claim
            # time was recorded count from their creation.
            "parent_claims": gone.format(
                "UPDATE children SET parent_wa_id = NULL, parent_claimed_at = NULL, claim_asked_at = NULL, "
                "updated_at = now() WHERE id IN (SELECT id FROM children WHERE guardian_id IS NULL "
                "AND parent_wa_id IS NOT NULL AND coalesce(parent_claimed_at, created_at) < %s LIMIT %s) "
                "RETURNING 1"),
            "claim_refusals": gone.format(
                "DELETE FROM claim_refusals WHERE wa_hash IN (SELECT wa_hash FROM claim_refusals "
                "WHERE refused_at < %s LIMIT %s) RETURNING 1"),
            # A dashboard session is kept past its end (expiry or logout) only to trace a sign-in for a while.
            "staff_sessions": gone.format(
                "DELETE FROM staff_sessions WHERE id IN (SELECT id FROM staff_sessions "
                "WHERE least(expires_at, coalesce(revoked_at, expires_at)) < %s LIMIT %s) RETURNING 1"),
            # The Sheet mirror drops them too; their Sheet rows not yet written are not written at all.
            "abandoned_remeasures": (
                "WITH gone AS (DELETE FROM measurements WHERE id IN (SELECT id FROM measurements "
                "  WHERE review = 'remeasure' AND measured_on < %s ORDER BY id LIMIT %s) RETURNING id, child_id), "
                "stale AS (DELETE FROM outbox WHERE done_at IS NULL AND kind = 'sheet_upsert' "
                "  AND payload->>'measurement_id' IN (SELECT id::text FROM gone)), "
                "mirror AS (INSERT INTO outbox (kind, payload, dedupe_key) SELECT 'sheet_delete', "
                "  jsonb_build_object('posyandu_id', c.posyandu_id, 'measurement_ids', jsonb_agg(g.id ORDER BY g.id)), "
                "  'purge:measurements:' || c.posyandu_id || ':' || min(g.id) FROM gone g "
                "  JOIN children c ON c.id = g.child_id WHERE c.posyandu_id IS NOT NULL GROUP BY c.posyandu_id) "
                "SELECT count(*) FROM gone"),
        }
        unknown = set(periods) - set(statements)
        if unknown:
            raise ValueError(f"no purge for {sorted(unknown)}")
        counts: dict[str, int] = {}
        with self.transaction() as uow:
            uow._one("SELECT pg_advisory_xact_lock(hashtext('tumbuh.retention'))")
            for kind, keep in periods.items():
                cutoff = now - keep
                counts[kind] = uow._one(statements[kind],
                                        (cutoff.date() if kind == "abandoned_remeasures" else cutoff, limit))[0]
            uow._exec("INSERT INTO audit_log (at, actor, action, entity, detail) "
                      "VALUES (%s, 'retention', 'retention.purge', 'retention', %s)", (now, json.dumps(counts)))
        return counts

    # --- a data-subject request: what Tumbuh holds about one number beyond the family record (services.subject) ---

    def number_claims(self, wa_id: str) -> list[tuple[Child, str, int, datetime | None, datetime | None]]:
        # Children a kader registered with this number that are in no family: each with its posyandu's name, how
        # many measurements it has, when the number was given and when its owner was asked.
        rows = self.run(
            f"SELECT {C_CHILD}, coalesce(p.name, ''), (SELECT count(*) FROM measurements m WHERE m.child_id = c.id), "
            "c.parent_claimed_at, c.claim_asked_at FROM children c LEFT JOIN posyandu p ON p.id = c.posyandu_id "
            "WHERE c.parent_wa_id = %s AND c.guardian_id IS NULL ORDER BY c.id", (wa_id,))
        return [(Child(*r[:6]), r[6], int(r[7]), r[8], r[9]) for r in rows]

    def reminders_of(self, guardian_id: int) -> list[dict]:
        rows = self.run("SELECT child_id, kind, due_on, send_after, sent_at, cancelled_at, cancel_reason, answer, "
                        "answered_at, escalated_at FROM reminders WHERE guardian_id = %s ORDER BY due_on, id",
                        (guardian_id,))
        keys = ("child_id", "kind", "due_on", "send_after", "sent_at", "cancelled_at", "cancel_reason", "answer",
                "answered_at", "escalated_at")
        return [dict(zip(keys, r)) for r in rows]

    def messages_to(self, guardian_id: int) -> list[dict]:
        # What outbound_messages keeps of each message sent: no body (the outbox erased it once sent).
        rows = self.run("SELECT kind, sent_at, status, status_at, error_code FROM outbound_messages "
                        "WHERE guardian_id = %s ORDER BY sent_at, wamid", (guardian_id,))
        return [dict(zip(("kind", "sent_at", "status", "status_at", "error_code"), r)) for r in rows]

    def number_traces(self, wa_id: str, wa_hash: str) -> dict:
        # What is kept of a number outside the family record: message ids received (under the pseudonym only),
        # a "do not ask again" refusal (pseudonym only), and messages still waiting to go to it.
        received, refused, waiting = self.run(
            "SELECT (SELECT coalesce(json_agg(json_build_array(kind, received_at) ORDER BY received_at), '[]') "
            "  FROM inbound_messages WHERE wa_hash = %(h)s), "
            "(SELECT refused_at FROM claim_refusals WHERE wa_hash = %(h)s), "
            "(SELECT count(*) FROM outbox WHERE done_at IS NULL AND kind = 'send' AND payload->>'to' = %(wa_id)s)",
            {"h": wa_hash, "wa_id": wa_id})[0]
        return {"received": [(kind, datetime.fromisoformat(at)) for kind, at in received],
                "claims_refused_at": refused, "waiting_sends": int(waiting)}

    def audit_about(self, guardian_id: int | None, child_ids: list[int], measurement_ids: list[int]) -> list[dict]:
        # Entries about the family, its children and their measurements (the entity index finds them); the actor's
        # kind only ('staff', 'guardian', 'operator', ...), never which staff member.
        rows = self.run(
            "SELECT at, action, entity, entity_id, split_part(actor, ':', 1) FROM audit_log "
            "WHERE (entity = 'guardian' AND entity_id = %(g)s::bigint) "
            "OR (entity = 'child' AND entity_id = ANY(%(c)s::bigint[])) "
            "OR (entity = 'measurement' AND entity_id = ANY(%(m)s::bigint[])) ORDER BY at, id",
            {"g": guardian_id, "c": [int(i) for i in child_ids], "m": [int(i) for i in measurement_ids]})
        return [dict(zip(("at", "action", "entity", "entity_id", "actor"), r)) for r in rows]


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
