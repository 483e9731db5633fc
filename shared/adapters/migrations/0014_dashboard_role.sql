-- The staff dashboard's own database role. The dashboard is public (its sign-in is the gate), so its user is made a
-- member of tumbuh_dashboard by the migrator (shared.adapters.postgres.grant_dashboard), not of tumbuh_runtime: it
-- reads everything, and writes only what its pages write, so a flaw in it cannot change a child, a family, a
-- measurement, the outbox or a reminder, nor the schema (it owns nothing and may create nothing).
--
-- Its writes, column by column as shared.adapters.postgres.staff_access and .dashboard name them:
--   staff_sessions  INSERT (id, staff_id, expires_at), UPDATE (seen_at, revoked_at): sign-in, each request, sign-out
--   audit_log       INSERT (actor, action, entity, entity_id, detail): appended, never back-dated (`at` is the
--                   server's), never rewritten or removed
--   staff           INSERT (wa_id, name, role, posyandu_id), UPDATE (role, posyandu_id, active): the admin page
--                   (UPDATE also lets it lock the rows it changes, SELECT ... FOR UPDATE); the audit trigger of
--                   0004 appends to audit_log as the dashboard
--   staff_id_seq, audit_log_id_seq  USAGE: the ids of those inserts
-- posyandu_month_counts is read only: the scheduler stores the counts (refresh_month_counts, as tumbuh_runtime);
-- the page counts a stale or missing month live.

-- Re-runnable, as grant_runtime_privileges() is: the migrator applies it at every deploy, from nothing each time, so
-- a table a later migration adds can be read, and a write granted by hand or by an older version of this function
-- does not stay. A migration that gives the dashboard another write replaces this function. Returns false when the
-- role is absent and cannot be created here.
CREATE FUNCTION grant_dashboard_privileges() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tumbuh_dashboard') THEN
        BEGIN
            CREATE ROLE tumbuh_dashboard NOLOGIN;
        EXCEPTION
            -- Roles belong to the whole cluster: a migration of another database created it meanwhile.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role tumbuh_dashboard is absent and % may not create roles: dashboard grants skipped',
                    current_user;
                RETURN false;
        END;
    END IF;
    -- Revoking a table's privileges revokes its column privileges too.
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM tumbuh_dashboard;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM tumbuh_dashboard;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC, tumbuh_dashboard;
    GRANT USAGE ON SCHEMA public TO tumbuh_dashboard;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO tumbuh_dashboard;
    GRANT INSERT (id, staff_id, expires_at), UPDATE (seen_at, revoked_at) ON staff_sessions TO tumbuh_dashboard;
    GRANT INSERT (actor, action, entity, entity_id, detail) ON audit_log TO tumbuh_dashboard;
    GRANT INSERT (wa_id, name, role, posyandu_id), UPDATE (role, posyandu_id, active) ON staff TO tumbuh_dashboard;
    GRANT USAGE ON SEQUENCE staff_id_seq, audit_log_id_seq TO tumbuh_dashboard;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO tumbuh_dashboard;
    RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION grant_dashboard_privileges() FROM PUBLIC;
SELECT grant_dashboard_privileges();
