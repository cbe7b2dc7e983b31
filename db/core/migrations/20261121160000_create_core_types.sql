-- migrate:up

-- Shared building blocks of the core schema. Every table created after this one is captured by the CDC pipeline,
-- so every table needs a primary key: pgoutput publishes UPDATE and DELETE only for tables with a replica
-- identity, and the pipeline keys its Kafka messages (and so their ordering) by it.

CREATE TYPE mission_status AS ENUM ('draft', 'active', 'paused', 'closed');

CREATE TYPE stat_event_type AS ENUM ('print', 'click', 'apply', 'account');

CREATE TYPE stat_event_source AS ENUM ('api', 'widget', 'publisher', 'campaign');

-- now() rather than clock_timestamp(): all rows written by one transaction share one updated_at, which is what
-- a reader of the marts expects from "changed together". Rows rewritten with identical values keep their stamp so a
-- no-op UPDATE does not look like a business change downstream.
CREATE FUNCTION set_updated_at() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END;
$$;

-- migrate:down

DROP FUNCTION set_updated_at();
DROP TYPE stat_event_source;
DROP TYPE stat_event_type;
DROP TYPE mission_status;
