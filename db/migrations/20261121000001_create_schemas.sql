-- migrate:up
-- analytics_raw: one table per captured core table, written only by the raw sink.
-- cdc: the pipeline's own bookkeeping (offset cursor, table state, run history, audit of operator actions).
-- Both are owned by the role that runs the migrations (cdc_sink on the local stack).
CREATE SCHEMA IF NOT EXISTS analytics_raw;
CREATE SCHEMA IF NOT EXISTS cdc;

COMMENT ON SCHEMA analytics_raw IS 'Raw replicas of the captured core tables, maintained by the CDC raw sink.';
COMMENT ON SCHEMA cdc IS 'Bookkeeping of the CDC pipeline: consumer offset cursor, table state, runs, audit.';

-- dbt (cdc_transform) reads the raw tables; nobody else needs them. Grant only when the role exists, so the
-- migrations also run on a bare PostgreSQL.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_transform') THEN
    GRANT USAGE ON SCHEMA analytics_raw TO cdc_transform;
    GRANT SELECT ON ALL TABLES IN SCHEMA analytics_raw TO cdc_transform;
    ALTER DEFAULT PRIVILEGES IN SCHEMA analytics_raw GRANT SELECT ON TABLES TO cdc_transform;
    GRANT USAGE ON SCHEMA cdc TO cdc_transform;
  END IF;
END
$$;

-- migrate:down
DROP SCHEMA IF EXISTS cdc CASCADE;
DROP SCHEMA IF EXISTS analytics_raw CASCADE;
