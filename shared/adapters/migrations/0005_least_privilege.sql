-- Least privilege in the database. The functions log in as their own users (Cloud SQL IAM users), each made a
-- member of tumbuh_runtime by the migrator: the role reads and writes the data but owns nothing, so it cannot
-- alter the schema; migrations run as the migrator, the schema owner (the tumbuh-migrate job in production).

-- Re-runnable, so the migrator applies it at every deploy (shared.adapters.postgres.grant_runtime): tables a
-- later migration adds get their grants even if it ran as another user, and a role created by hand after this
-- migration was skipped gets them too. Returns false when the role is absent and cannot be created here.
CREATE FUNCTION grant_runtime_privileges() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tumbuh_runtime') THEN
        BEGIN
            CREATE ROLE tumbuh_runtime NOLOGIN;
        EXCEPTION
            -- Roles belong to the whole cluster: a migration of another database created it meanwhile.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role tumbuh_runtime is absent and % may not create roles: runtime grants skipped',
                    current_user;
                RETURN false;
        END;
    END IF;
    GRANT USAGE ON SCHEMA public TO tumbuh_runtime;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tumbuh_runtime;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO tumbuh_runtime;
    -- Read to see whether the schema is current, never written: only the migrator records a migration.
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM tumbuh_runtime;
    -- Append-only: what happened is added and read, never rewritten or removed (the migrator purges entries
    -- past their retention, see shared/services/retention.py).
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM tumbuh_runtime;
    REVOKE CREATE ON SCHEMA public FROM PUBLIC, tumbuh_runtime;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tumbuh_runtime;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO tumbuh_runtime;
    RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION grant_runtime_privileges() FROM PUBLIC;
SELECT grant_runtime_privileges();

-- The audit trail holds for everyone, the table's owner included: an entry is never updated, and is deleted
-- only once past its retention (1825 days = 5 x 365, the audit_log rule of shared/services/retention.py; the
-- migrator's purge uses the same number). TRUNCATE would bypass the row trigger, so it is refused outright.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.at < now() - interval '1825 days' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused (entries are kept 1825 days)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
