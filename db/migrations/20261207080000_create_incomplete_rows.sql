-- migrate:up
-- Row versions the sink could not complete: an update that left a TOASTed column unchanged carries a marker,
-- not the value, and raw either has no row to take the value from (an insert dead-lettered, a key an
-- incremental snapshot's window skipped, a compacted topic replayed into an emptied table, a connector added
-- later) or cannot be sure its row is the version just before (the sink read a compacted range, or a version in
-- between went to the dead-letter topic). Such a version is not written (raw never shows NULL, nor a stale value,
-- where core has a value): it waits here while the reader re-reads exactly these keys from core (a repair
-- request on `<prefix>.cdc-repairs`), and the entry goes once raw holds a version at least as new.
CREATE TABLE IF NOT EXISTS cdc.incomplete_rows (
  raw_table text NOT NULL,
  row_key jsonb NOT NULL,
  topic text NOT NULL,
  -- Connector name and the source key columns' text ({"column": "text"}): what the repair request names.
  connector text NOT NULL,
  source_key jsonb NOT NULL,
  -- The columns the newest incomplete version did not carry.
  columns text[] NOT NULL,
  -- The newest incomplete version: a repair must land a version at least this new.
  source_commit_lsn pg_lsn NOT NULL,
  source_lsn pg_lsn NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT now(),
  requested_at timestamptz,
  requests integer NOT NULL DEFAULT 0,
  PRIMARY KEY (raw_table, row_key)
);
CREATE INDEX IF NOT EXISTS incomplete_rows_due_idx ON cdc.incomplete_rows (requested_at NULLS FIRST);
COMMENT ON TABLE cdc.incomplete_rows IS 'Row versions waiting for a repair from core (unchanged TOAST the sink could not fill).';

-- The first offset of the partition from which this group has read without a gap (compaction removes records:
-- a gap means versions were not seen, so an unchanged TOAST column cannot be taken from a row written before).
ALTER TABLE cdc.consumer_offsets ADD COLUMN IF NOT EXISTS unbroken_since bigint NOT NULL DEFAULT 0;
COMMENT ON COLUMN cdc.consumer_offsets.unbroken_since IS 'First offset since which the partition was read without a gap (compaction, a skip).';

-- migrate:down
ALTER TABLE cdc.consumer_offsets DROP COLUMN IF EXISTS unbroken_since;
DROP TABLE IF EXISTS cdc.incomplete_rows;
