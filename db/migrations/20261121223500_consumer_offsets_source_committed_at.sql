-- migrate:up
-- The newest source commit time the sink has applied from each partition, written with the cursor. Within a
-- partition changes arrive in commit order, so every change of that partition committed up to this time is in
-- analytics_raw: the marts builder derives its consistent watermark from it.
ALTER TABLE cdc.consumer_offsets ADD COLUMN IF NOT EXISTS source_committed_at timestamptz;
COMMENT ON COLUMN cdc.consumer_offsets.source_committed_at IS
  'Source commit time of the newest change applied from this partition (NULL: none yet).';

-- migrate:down
ALTER TABLE cdc.consumer_offsets DROP COLUMN IF EXISTS source_committed_at;
