"""The StaffAccess port over PostgreSQL: who may sign in to the dashboard, their sessions (staff_sessions), and
an admin's management of the staff of their area.

Sign-in calls are one statement each; a session's audit entry is written in the same statement as the session
itself. An admin's change is one transaction that first sets `tumbuh.actor` to the admin, so the staff table's
audit trigger (0004, mended in 0012) names them; its rules are checked here, on rows locked in that transaction,
whatever the page offered. Audit entries carry ids only, never the session id (it names a live sign-in).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from shared.adapters.postgres.connections import Database
from shared.domain.model import Staff
from shared.ports import Scope, StaffSession

STAFF_COLUMNS = "id, wa_id, name, role, posyandu_id, language"  # Staff's constructor order
ROLES = ("kader", "bidan", "puskesmas", "admin")  # migration 0012's staff_role_check
NAME_MAX = 100  # characters of a staff member's name
BIGINT_MAX = 2 ** 63 - 1  # the largest id
_WA_ID = re.compile(r"[0-9]{6,20}")  # the staff table's CHECK on wa_id

# Outcome keys of the admin methods (the page shows one sentence for each).
ADDED, CHANGED, UNCHANGED, DEACTIVATED, REACTIVATED = "added", "changed", "unchanged", "deactivated", "reactivated"
ALREADY_STAFF = "already_staff"  # the number belongs to a staff member already (any posyandu, active or not)
BAD_NUMBER, BAD_NAME, BAD_ROLE = "bad_number", "bad_name", "bad_role"
POSYANDU_NEEDED = "posyandu_needed"  # no home posyandu, where only a whole-deployment admin may leave it empty
OUT_OF_SCOPE = "out_of_scope"  # the person or the posyandu is outside the admin's area, or does not exist
SELF = "self"  # an admin's own entry: never changed or deactivated by themselves


class PgStaffAccess:
    """StaffAccess on a Database (PostgresRecords is one): single statements, each committed on its own."""

    def __init__(self, database: Database):
        self._db = database

    def active_staff(self, wa_id: str) -> Staff | None:
        """The active staff member with this number, or None (unknown or deactivated)."""
        rows = self._db.run(f"SELECT {STAFF_COLUMNS} FROM staff WHERE wa_id = %s AND active", (wa_id,))
        return Staff(*rows[0]) if rows else None

    def open_session(self, staff_id: int, session_id: str, expires_at: datetime) -> StaffSession:
        """Record a new session (audited: staff.sign_in)."""
        rows = self._db.run(
            "WITH s AS (INSERT INTO staff_sessions (id, staff_id, expires_at) VALUES (%s, %s, %s) "
            "  RETURNING id, staff_id, expires_at), "
            "a AS (INSERT INTO audit_log (actor, action, entity, entity_id) "
            "  SELECT 'staff:' || staff_id, 'staff.sign_in', 'staff', staff_id FROM s) "
            "SELECT id, staff_id, expires_at FROM s",
            (session_id, staff_id, expires_at))
        return StaffSession(*rows[0])

    def session_staff(self, session_id: str, now: datetime) -> Staff | None:
        """The staff member of a session that is neither revoked, expired, nor of a deactivated person; marks it
        seen. None otherwise."""
        # One round trip per dashboard request: the checks and the mark are one UPDATE, so a session revoked or a
        # person deactivated a moment ago is refused at once.
        rows = self._db.run(
            "UPDATE staff_sessions ss SET seen_at = %(now)s FROM staff s "
            "WHERE ss.id = %(id)s AND s.id = ss.staff_id AND ss.revoked_at IS NULL AND ss.expires_at > %(now)s "
            f"AND s.active RETURNING {', '.join('s.' + c for c in STAFF_COLUMNS.split(', '))}",
            {"id": session_id, "now": now})
        return Staff(*rows[0]) if rows else None

    def close_session(self, session_id: str, now: datetime) -> None:
        """Revoke a session (logout, audited: staff.sign_out); nothing happens to one already closed."""
        self._db.run(
            "WITH s AS (UPDATE staff_sessions SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL "
            "  RETURNING staff_id) "
            "INSERT INTO audit_log (actor, action, entity, entity_id) "
            "SELECT 'staff:' || staff_id, 'staff.sign_out', 'staff', staff_id FROM s",
            (now, session_id))

    def revoke_all(self, staff_id: int, now: datetime, actor: str = "system") -> int:
        """Revoke every open session of a staff member (an admin deactivated them, or their number changed);
        returns how many were open. Audited as staff.sessions_revoke by `actor` when there were any."""
        rows = self._db.run(
            "WITH s AS (UPDATE staff_sessions SET revoked_at = %(now)s WHERE staff_id = %(staff_id)s "
            "  AND revoked_at IS NULL RETURNING id), "
            "a AS (INSERT INTO audit_log (actor, action, entity, entity_id, detail) "
            "  SELECT %(actor)s, 'staff.sessions_revoke', 'staff', %(staff_id)s, "
            "  jsonb_build_object('sessions', count(*)) FROM s HAVING count(*) > 0) "
            "SELECT count(*) FROM s",
            {"now": now, "staff_id": staff_id, "actor": actor})
        return int(rows[0][0])

    # An admin's management of staff. `scope` is the admin's (PgDashboard.scope, the one place it is resolved);
    # each method also checks, on the admin's locked row, that they are still an active admin.

    def staff_list(self, scope: Scope, staff_id: int | None = None) -> list[tuple[Staff, bool]]:
        """The staff an admin manages, each with whether they are active: every member whose home posyandu is in
        the scope and, for an admin without a home posyandu (the whole deployment), the admins without one too.
        Only the member `staff_id` when given. Empty for anyone but an active admin. Active first, then by name."""
        if staff_id is not None and not 0 < staff_id <= BIGINT_MAX:
            return []
        rows = self._db.run(
            f"SELECT {', '.join('s.' + c for c in STAFF_COLUMNS.split(', '))}, s.active "
            "FROM staff me JOIN staff s ON s.posyandu_id = ANY(%(ids)s::bigint[]) "
            "  OR (s.posyandu_id IS NULL AND me.posyandu_id IS NULL AND s.role = 'admin') "
            "WHERE me.id = %(me)s AND me.role = 'admin' AND me.active AND %(role)s = 'admin' "
            "  AND (%(one)s::bigint IS NULL OR s.id = %(one)s::bigint) "
            "ORDER BY s.active DESC, lower(s.name), s.id",
            {"ids": list(scope.posyandu_ids), "me": scope.staff_id, "role": scope.role, "one": staff_id})
        return [(Staff(*r[:6]), bool(r[6])) for r in rows]

    def posyandu_choices(self, scope: Scope) -> list[tuple[int, str]]:
        """The posyandu of a scope as (id, "name (village)"), by name: the home posyandu an admin may choose."""
        rows = self._db.run(
            "SELECT id, CASE WHEN village <> '' THEN name || ' (' || village || ')' ELSE name END FROM posyandu "
            "WHERE id = ANY(%s::bigint[]) ORDER BY lower(name), lower(village), id", (list(scope.posyandu_ids),))
        return [(int(r[0]), r[1]) for r in rows]

    def add_staff(self, scope: Scope, wa_id: str, name: str, role: str, posyandu_id: int | None) -> str:
        """Add a staff member (active) with a normalised number (wa_id, "62812…"); audited as staff.insert by the
        admin. Returns ADDED, or why not: BAD_NUMBER, BAD_NAME, BAD_ROLE, ALREADY_STAFF, POSYANDU_NEEDED,
        OUT_OF_SCOPE (the posyandu is outside the admin's scope, or the caller is not an active admin)."""
        clean = _clean_name(name)
        if not isinstance(wa_id, str) or not _WA_ID.fullmatch(wa_id):
            return BAD_NUMBER
        if clean is None:
            return BAD_NAME
        if role not in ROLES:
            return BAD_ROLE
        with self._as_admin(scope.staff_id):
            rows = self._lock_staff(scope.staff_id)
            admin = rows.get(scope.staff_id)
            if not _is_admin(admin, scope):
                return OUT_OF_SCOPE
            refused = _home_refused(scope, admin, role, posyandu_id)
            if refused:
                return refused
            added = self._db.run(
                "INSERT INTO staff (wa_id, name, role, posyandu_id) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (wa_id) DO NOTHING RETURNING id", (wa_id, clean, role, posyandu_id))
            return ADDED if added else ALREADY_STAFF

    def change_staff(self, scope: Scope, staff_id: int, role: str, posyandu_id: int | None) -> str:
        """Give a staff member another role and home posyandu (re-scope); audited as staff.update by the admin.
        Their open sessions stay: every request resolves the scope afresh. Returns CHANGED, UNCHANGED, or why not:
        BAD_ROLE, SELF, OUT_OF_SCOPE (the person's present or new posyandu), POSYANDU_NEEDED."""
        if role not in ROLES:
            return BAD_ROLE
        with self._as_admin(scope.staff_id):
            rows = self._lock_staff(scope.staff_id, staff_id)
            admin, member = rows.get(scope.staff_id), rows.get(staff_id)
            refused = _member_refused(scope, admin, member, staff_id) or _home_refused(scope, admin, role, posyandu_id)
            if refused:
                return refused
            assert member is not None
            if (member[1], member[2]) == (role, posyandu_id):
                return UNCHANGED
            self._db.run("UPDATE staff SET role = %s, posyandu_id = %s WHERE id = %s", (role, posyandu_id, staff_id))
            return CHANGED

    def set_active(self, scope: Scope, staff_id: int, active: bool, now: datetime) -> str:
        """Deactivate a staff member, revoking every open session of theirs in the same transaction (they are
        signed out at their next request), or reactivate them; audited (staff.update, staff.sessions_revoke) by
        the admin. Returns DEACTIVATED, REACTIVATED, UNCHANGED, or why not: SELF, OUT_OF_SCOPE."""
        with self._as_admin(scope.staff_id):
            rows = self._lock_staff(scope.staff_id, staff_id)
            admin, member = rows.get(scope.staff_id), rows.get(staff_id)
            refused = _member_refused(scope, admin, member, staff_id)
            if refused:
                return refused
            assert member is not None
            changed = member[3] != active
            if changed:
                self._db.run("UPDATE staff SET active = %s WHERE id = %s", (active, staff_id))
            if not active:  # also when already inactive: no session of a deactivated person may stay open
                self.revoke_all(staff_id, now, actor=f"staff:{scope.staff_id}")
            return UNCHANGED if not changed else (REACTIVATED if active else DEACTIVATED)

    def _lock_staff(self, *ids: int) -> dict[int, tuple]:
        """The rows (id, role, posyandu_id, active) of these staff, locked until the transaction ends; always in
        id order, so two admins changing each other wait rather than deadlock, and the second sees the first's
        change (two admins cannot deactivate each other at once)."""
        wanted = sorted({int(i) for i in ids if 0 < int(i) <= BIGINT_MAX})  # a larger id is nobody's
        rows = self._db.run("SELECT id, role, posyandu_id, active FROM staff WHERE id = ANY(%s::bigint[]) ORDER BY id "
                            "FOR UPDATE", (wanted,))
        return {int(r[0]): (int(r[0]), r[1], r[2], bool(r[3])) for r in rows}

    @contextmanager
    def _as_admin(self, admin_id: int) -> Iterator[None]:
        """One transaction on this thread's connection, in which the staff audit trigger names the admin
        ("staff:<id>", set_config local to the transaction): committed when the block ends, rolled back on any
        error (a lost connection is transient)."""
        with self._db.atomic():
            self._db.run("SELECT set_config('tumbuh.actor', %s, true)", (f"staff:{int(admin_id)}",))
            yield


def _clean_name(name: str) -> str | None:
    """A name with its spaces tidied, or None when empty, too long, or holding control characters."""
    if not isinstance(name, str):
        return None
    clean = " ".join(name.split())
    return clean if 0 < len(clean) <= NAME_MAX and clean.isprintable() else None


def _is_admin(row: tuple | None, scope: Scope) -> bool:
    return row is not None and row[1] == "admin" and row[3] and scope.role == "admin"


def _member_refused(scope: Scope, admin: tuple | None, member: tuple | None, staff_id: int) -> str | None:
    """Why an admin may not change this member (SELF, OUT_OF_SCOPE), or None. A member is the admin's when their
    home posyandu is in scope, or when both have none (the whole deployment's admins)."""
    if not _is_admin(admin, scope):
        return OUT_OF_SCOPE
    assert admin is not None
    if staff_id == scope.staff_id:
        return SELF
    if member is None:
        return OUT_OF_SCOPE
    home = member[2]
    return None if scope.covers(home) or (home is None and admin[2] is None) else OUT_OF_SCOPE


def _home_refused(scope: Scope, admin: tuple | None, role: str, posyandu_id: int | None) -> str | None:
    """Why this home posyandu cannot be given to someone of this role (POSYANDU_NEEDED, OUT_OF_SCOPE), or None:
    one in scope; none only for an admin, given by an admin who has none themselves."""
    if posyandu_id is None:
        return None if role == "admin" and admin is not None and admin[2] is None else POSYANDU_NEEDED
    return None if scope.covers(posyandu_id) else OUT_OF_SCOPE
