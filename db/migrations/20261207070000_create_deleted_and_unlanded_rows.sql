-- migrate:up
-- Keys a hard-delete connector removed from its raw table, with the delete's source position: a version older
-- than the delete (a DLQ replay, a redelivery, a zombie snapshot) arriving afterwards must not insert the row
-- again, and with the row gone only this ledger remembers the position. An entry is dropped once a newer
-- version of the key lands (the raw row guards it again). row_key is the raw table's conflict columns, each
-- in PostgreSQL's text form (jsonb array), as the sink computes it in SQL with fixed session settings.
CREATE TABLE IF NOT EXISTS cdc.deleted_rows (
  raw_table text NOT NULL,
  row_key jsonb NOT NULL,
  source_commit_lsn pg_lsn NOT NULL,
  source_lsn pg_lsn NOT NULL,
  deleted_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (raw_table, row_key)
);
COMMENT ON TABLE cdc.deleted_rows IS 'Deletion ledger of hard-delete connectors: keys removed from raw, with the position of their delete.';

-- Changes the sink did not land (dead-lettered, or skipped by the connector''s transform while raw held the
-- row): a snapshot end must not delete their rows for being older than the snapshot, since the snapshot's
-- version of them is exactly what did not land. row_key null: the message could not be tied to a row (its
-- key did not decode), so the next snapshot end of that partition is not applied at all.
CREATE TABLE IF NOT EXISTS cdc.unlanded_rows (
  raw_table text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  topic text NOT NULL,
  row_key jsonb,
  source_commit_lsn pg_lsn,
  source_lsn pg_lsn,
  reason text NOT NULL CHECK (reason IN ('dead-letter', 'skipped')),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (raw_table, kafka_partition, kafka_offset)
);
CREATE INDEX IF NOT EXISTS unlanded_rows_key_idx ON cdc.unlanded_rows (raw_table, kafka_partition, row_key);
COMMENT ON TABLE cdc.unlanded_rows IS 'Changes the sink did not land (dead letters, transform skips of rows raw holds): snapshot ends spare their keys.';

-- migrate:down
DROP TABLE IF EXISTS cdc.unlanded_rows;
DROP TABLE IF EXISTS cdc.deleted_rows;
