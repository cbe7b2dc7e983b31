-- migrate:up
-- The sink's cursor: the next offset to consume per consumer group and partition. It is written in the same
-- transaction as the rows it covers, which is what makes Kafka -> analytics_raw exactly-once in effect.
-- Kafka's own committed group offsets are only a copy of this, for lag tools.
CREATE TABLE IF NOT EXISTS cdc.consumer_offsets (
  consumer_group text NOT NULL,
  topic text NOT NULL,
  partition integer NOT NULL CHECK (partition >= 0),
  next_offset bigint NOT NULL CHECK (next_offset >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, topic, partition)
);

COMMENT ON TABLE cdc.consumer_offsets IS 'Consumed offsets of the raw sink, committed with the rows (the cursor).';
COMMENT ON COLUMN cdc.consumer_offsets.next_offset IS 'Offset of the next message to read (last applied + 1).';

-- migrate:down
DROP TABLE IF EXISTS cdc.consumer_offsets;
