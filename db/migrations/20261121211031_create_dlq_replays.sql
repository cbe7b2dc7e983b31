-- migrate:up
-- Dead letters brought back by `cdc dlq replay`: one row per DLQ message, so a message is replayed once unless
-- the operator forces it (a forced replay overwrites the row; every run is also in cdc.operator_actions).
-- The original coordinates are kept because a DLQ topic deleted and re-created starts its offsets at 0 again:
-- a row only covers the message whose original topic, partition and offset it names.
CREATE TABLE IF NOT EXISTS cdc.dlq_replays (
  dlq_topic text NOT NULL,
  dlq_offset bigint NOT NULL CHECK (dlq_offset >= 0),
  original_topic text NOT NULL,
  original_partition integer NOT NULL CHECK (original_partition >= 0),
  original_offset bigint NOT NULL CHECK (original_offset >= 0),
  replayed_to_offset bigint NOT NULL CHECK (replayed_to_offset >= 0),
  actor text NOT NULL,
  replayed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dlq_topic, dlq_offset)
);

COMMENT ON TABLE cdc.dlq_replays IS 'Dead letters re-produced to their original topic and partition by cdc dlq replay.';
COMMENT ON COLUMN cdc.dlq_replays.replayed_to_offset IS 'Offset of the copy in the original topic partition.';

-- migrate:down
DROP TABLE IF EXISTS cdc.dlq_replays;
