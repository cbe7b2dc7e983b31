-- Databases of the local stack and who may connect to them. Re-runnable (see 01-roles.sql).
-- CREATE DATABASE cannot run inside a DO block, hence psql's \gexec on a query that yields it only when missing.

SELECT 'CREATE DATABASE core OWNER cdc_owner'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'core')\gexec
SELECT 'CREATE DATABASE analytics OWNER cdc_owner'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'analytics')\gexec
SELECT 'CREATE DATABASE registry OWNER cdc_registry'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'registry')\gexec

ALTER DATABASE core OWNER TO cdc_owner;
ALTER DATABASE analytics OWNER TO cdc_owner;
ALTER DATABASE registry OWNER TO cdc_registry;

-- By default every role may connect to every database; here only the roles named below (and the owners) may.
REVOKE ALL ON DATABASE core, analytics, registry FROM PUBLIC;

GRANT CONNECT ON DATABASE core TO cdc_reader;

-- TEMPORARY because dbt-postgres builds incremental models through temporary tables, and the sink may stage
-- batches the same way.
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE analytics TO cdc_sink, cdc_transform;
GRANT CONNECT ON DATABASE analytics TO cdc_analyst;
