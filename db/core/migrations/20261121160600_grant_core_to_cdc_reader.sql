-- migrate:up

-- The replication reader reads the captured tables (initial snapshots) as cdc_reader. That role belongs to the
-- stack, not to this schema: grant only when it exists so the migrations also run on a bare database.
-- The default privileges make tables added by later migrations readable too, so a new captured table flows
-- without a manual grant.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    GRANT USAGE ON SCHEMA public TO cdc_reader;
    GRANT SELECT ON partners, missions, widgets, widget_missions, campaigns, stat_events TO cdc_reader;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO cdc_reader;
  END IF;
END;
$$;

-- migrate:down

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM cdc_reader;
    REVOKE SELECT ON partners, missions, widgets, widget_missions, campaigns, stat_events FROM cdc_reader;
  END IF;
END;
$$;
