-- The runtime role (docs/deployment.md): `kaoping serve` can run as a login role that is a member of
-- kaoping_runtime, which may read and append but not TRUNCATE, change the schema or control triggers
-- (those need the tables' owner: the role that runs these migrations). UPDATE is granted only where the
-- application updates (a period's status, a user's password and state, sessions, throttling), DELETE only
-- on sessions and throttling records. Roles are shared by every database of the server, so the role is
-- created once and tolerated when it exists; without the right to create roles the migration goes on
-- without it and says so.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kaoping_runtime') THEN
        CREATE ROLE kaoping_runtime NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'kaoping_runtime was not created: this role may not create roles';
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kaoping_runtime') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO kaoping_runtime', current_database());
        GRANT USAGE ON SCHEMA public TO kaoping_runtime;
        GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO kaoping_runtime;
        GRANT UPDATE ON periods, users, sessions, login_failures, setup_lock TO kaoping_runtime;
        GRANT DELETE ON sessions, login_failures, setup_lock TO kaoping_runtime;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kaoping_runtime;
        -- Tables and sequences later migrations create: read and append.
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO kaoping_runtime;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO kaoping_runtime;
    END IF;
END
$$;
