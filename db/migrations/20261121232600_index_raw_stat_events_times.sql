-- migrate:up
-- The marts read stat_events by time: every daily micro-batch selects one day of created_at, and the marts
-- builder looks for the oldest event changed since its last build (_ingested_at). Without these, both scan the
-- whole table on every tick.
CREATE INDEX IF NOT EXISTS stat_events_created_at_idx ON analytics_raw.stat_events (created_at);
CREATE INDEX IF NOT EXISTS stat_events_ingested_at_idx ON analytics_raw.stat_events (_ingested_at);

-- migrate:down
DROP INDEX IF EXISTS analytics_raw.stat_events_ingested_at_idx;
DROP INDEX IF EXISTS analytics_raw.stat_events_created_at_idx;
