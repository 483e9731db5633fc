"""The StaffAccess port over PostgreSQL: who may sign in to the dashboard, and their sessions (staff_sessions).

Each call is one statement; a session's audit entry is written in the same statement as the session itself.
Audit entries carry ids only, never the session id (it names a live sign-in).
"""
from __future__ import annotations

from datetime import datetime

from shared.adapters.postgres.connections import Database
from shared.domain.model import Staff
from shared.ports import StaffSession

STAFF_COLUMNS = "id, wa_id, name, role, posyandu_id, language"  # Staff's constructor order


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
