-- migrate:up
-- Every `cdc rewind`: who moved which consumer group's cursor, when, and each partition from where to where.
-- The running sinks read it too: a new row (announced by NOTIFY cdc_cursor) makes them re-seek the partitions
-- it moved, without a restart.
CREATE TABLE IF NOT EXISTS cdc.cursor_rewinds (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  consumer_group text NOT NULL,
  -- What the operator asked for: earliest, latest, offset:<n>, timestamp:<iso>, ago:<duration>.
  target text NOT NULL,
  actor text NOT NULL,
  -- [{"topic", "partition", "from" (null: no cursor yet), "to"}]
  moves jsonb NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cursor_rewinds_group_idx ON cdc.cursor_rewinds (consumer_group, id);

COMMENT ON TABLE cdc.cursor_rewinds IS 'Consumer cursor moves made by cdc rewind (audit, and the signal running sinks follow).';

-- migrate:down
DROP TABLE IF EXISTS cdc.cursor_rewinds;
