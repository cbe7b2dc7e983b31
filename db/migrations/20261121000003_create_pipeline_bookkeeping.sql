-- migrate:up
-- State of each captured table as the sink sees it: paused tables (incompatible schema change, operator
-- pause) stay paused, with the reason an operator needs to act, until resumed.
CREATE TABLE IF NOT EXISTS cdc.table_state (
  topic text PRIMARY KEY,
  raw_table text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  reason text,
  schema_version integer,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Every operator action on the cursor (rewinds, DLQ replays): who, when, from where to where.
CREATE TABLE IF NOT EXISTS cdc.operator_actions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action text NOT NULL,
  actor text NOT NULL,
  consumer_group text,
  topic text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS operator_actions_created_at_idx ON cdc.operator_actions (created_at);

-- One row per marts build: what ran, how it ended, up to which watermark.
CREATE TABLE IF NOT EXISTS cdc.marts_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'failed', 'skipped')),
  models integer,
  rows_affected bigint,
  watermark timestamptz,
  error text
);
CREATE INDEX IF NOT EXISTS marts_runs_started_at_idx ON cdc.marts_runs (started_at);

-- migrate:down
DROP TABLE IF EXISTS cdc.marts_runs;
DROP TABLE IF EXISTS cdc.operator_actions;
DROP TABLE IF EXISTS cdc.table_state;
