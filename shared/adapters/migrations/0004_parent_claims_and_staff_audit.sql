-- A parent number typed by a kader is only a claim: the child joins that family, and anything about the child
-- reaches that number, only after the parent answers "yes" to "is <name>, born <date>, your child?", asked once.
-- parent_wa_id holds the claimed number until then (guardian_id stays NULL); a "no" or the retention purge clears it.
ALTER TABLE children
    ADD COLUMN parent_claimed_at timestamptz,   -- when a kader gave the number (the purge counts from here)
    ADD COLUMN claim_asked_at    timestamptz;   -- when the parent was asked (never asked twice)
UPDATE children SET parent_claimed_at = created_at WHERE parent_wa_id IS NOT NULL AND guardian_id IS NULL;
-- A number is claimed for a child once: the same kader entry delivered twice cannot ask twice.
CREATE INDEX children_claims ON children (parent_wa_id, claim_asked_at) WHERE guardian_id IS NULL;

-- A parent who answered "not my child" to a claim, with "do not ask again": later claims on the number are
-- dropped unasked. Only a keyed pseudonym of the number is kept, so the table says nothing about who it is.
CREATE TABLE claim_refusals (
    wa_hash     text PRIMARY KEY,
    refused_at  timestamptz NOT NULL DEFAULT now()
);

-- Staff and role changes are audited whoever makes them (today an operator's SQL, later the dashboard): the
-- actor is the session's tumbuh.actor setting when the application sets it, else the database user.
CREATE FUNCTION audit_staff_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[] := '{}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.role IS DISTINCT FROM OLD.role THEN changed := changed || 'role'; END IF;
        IF NEW.active IS DISTINCT FROM OLD.active THEN changed := changed || 'active'; END IF;
        IF NEW.posyandu_id IS DISTINCT FROM OLD.posyandu_id THEN changed := changed || 'posyandu_id'; END IF;
        IF NEW.wa_id IS DISTINCT FROM OLD.wa_id THEN changed := changed || 'wa_id'; END IF;
        IF NEW.name IS DISTINCT FROM OLD.name THEN changed := changed || 'name'; END IF;
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
CREATE TRIGGER staff_audit AFTER INSERT OR UPDATE OR DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION audit_staff_change();
