-- migrate:up

-- The replication reader reads the captured tables (initial snapshots) as cdc_reader. That role belongs to the
-- stack, not to this schema: grant only when it exists so the migrations also run on a bare database.
-- Least privilege: the captured tables only, by name. A migration that adds a captured table grants it in the
-- same way (no default privileges: an uncaptured table must stay unreadable to the pipeline).
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    GRANT USAGE ON SCHEMA public TO cdc_reader;
    GRANT SELECT ON partners, missions, widgets, widget_missions, campaigns, stat_events TO cdc_reader;
  END IF;
END;
$$;

-- migrate:down

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_reader') THEN
    REVOKE SELECT ON partners, missions, widgets, widget_missions, campaigns, stat_events FROM cdc_reader;
  END IF;
END;
$$;
