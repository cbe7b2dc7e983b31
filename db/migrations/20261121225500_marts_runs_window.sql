-- migrate:up
-- The event-time window a marts build recomputed, and whether it started from the beginning (a full rebuild:
-- the first build, then every MARTS_FULL_REBUILD_HOURS).
ALTER TABLE cdc.marts_runs
  ADD COLUMN IF NOT EXISTS window_start timestamptz,
  ADD COLUMN IF NOT EXISTS full_rebuild boolean NOT NULL DEFAULT false;

-- migrate:down
ALTER TABLE cdc.marts_runs DROP COLUMN IF EXISTS full_rebuild, DROP COLUMN IF EXISTS window_start;
