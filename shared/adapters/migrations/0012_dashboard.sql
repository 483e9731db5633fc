-- The staff dashboard: roles with scope, and sessions that can be revoked.
--
-- Scope follows the person's home posyandu (staff.posyandu_id) and role, so an area is never typed twice:
--   kader      their posyandu
--   bidan      every posyandu of the same village (desa, kecamatan, kabupaten)
--   puskesmas  every posyandu of the same puskesmas (posyandu.puskesmas; empty: the same kecamatan)
--   admin      every posyandu of the same kabupaten; without a home posyandu, every posyandu
-- shared.adapters.postgres.dashboard resolves it, in one place.

ALTER TABLE posyandu ADD COLUMN puskesmas text NOT NULL DEFAULT '';  -- the puskesmas the posyandu reports to

ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check CHECK (role IN ('kader', 'bidan', 'puskesmas', 'admin'));

-- A dashboard sign-in. The browser holds a short-lived JWT naming the session; each request checks the session
-- here, so logging out, or an admin deactivating the person, ends it at once.
CREATE TABLE staff_sessions (
    id          text PRIMARY KEY,                   -- the JWT's sid: 32 random bytes, URL-safe
    staff_id    bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,               -- the latest it can live, however much it is used
    revoked_at  timestamptz
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id) WHERE revoked_at IS NULL;

-- The staff audit trigger of 0004 appended untyped literals to a text[] ('active' read as an array literal), so any
-- change of role, active, posyandu_id, wa_id or name failed: nobody could be deactivated. The same function, with
-- typed text; the audit's contents are unchanged.
CREATE OR REPLACE FUNCTION audit_staff_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[] := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.role IS DISTINCT FROM OLD.role THEN changed := changed || 'role'::text; END IF;
        IF NEW.active IS DISTINCT FROM OLD.active THEN changed := changed || 'active'::text; END IF;
        IF NEW.posyandu_id IS DISTINCT FROM OLD.posyandu_id THEN changed := changed || 'posyandu_id'::text; END IF;
        IF NEW.wa_id IS DISTINCT FROM OLD.wa_id THEN changed := changed || 'wa_id'::text; END IF;
        IF NEW.name IS DISTINCT FROM OLD.name THEN changed := changed || 'name'::text; END IF;
        IF cardinality(changed) = 0 THEN RETURN NEW; END IF;  -- a language choice is the person's own
    END IF;
    INSERT INTO audit_log (actor, action, entity, entity_id, detail) VALUES (
        coalesce(nullif(current_setting('tumbuh.actor', true), ''), 'db:' || session_user),
        'staff.' || lower(TG_OP), 'staff', coalesce(NEW.id, OLD.id),
        CASE TG_OP WHEN 'UPDATE' THEN jsonb_build_object('fields', changed, 'role', NEW.role)
                   WHEN 'INSERT' THEN jsonb_build_object('role', NEW.role, 'posyandu_id', NEW.posyandu_id)
                   ELSE jsonb_build_object('role', OLD.role) END);
    RETURN coalesce(NEW, OLD);
END $$;
