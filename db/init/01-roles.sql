-- Roles of the local stack (names and throwaway passwords as in scripts/stack/topology.ts; a test checks they agree).
-- Runs as a superuser under psql: natively from scripts/stack/postgres-bootstrap.ts on every start, and once by the
-- postgres image from /docker-entrypoint-initdb.d. Re-runnable: creates what is missing, then re-asserts attributes.

DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['cdc_owner', 'cdc_reader', 'cdc_sink', 'cdc_transform', 'cdc_analyst', 'cdc_registry']
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', role_name);
    END IF;
  END LOOP;
END
$$;

-- Stands for the product application: owns the core tables; tests create their own databases with it.
ALTER ROLE cdc_owner WITH LOGIN CREATEDB NOCREATEROLE NOREPLICATION NOSUPERUSER PASSWORD 'cdc_owner';
-- The CDC reader: logical replication plus SELECT on captured tables, which core migrations grant table by table.
ALTER ROLE cdc_reader WITH LOGIN REPLICATION NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD 'cdc_reader';
-- The sink: runs the analytics migrations and owns the analytics_raw and cdc schemas.
ALTER ROLE cdc_sink WITH LOGIN NOCREATEDB NOCREATEROLE NOREPLICATION NOSUPERUSER PASSWORD 'cdc_sink';
-- Runs dbt: reads analytics_raw, owns the staging/intermediate/marts schemas.
ALTER ROLE cdc_transform WITH LOGIN NOCREATEDB NOCREATEROLE NOREPLICATION NOSUPERUSER PASSWORD 'cdc_transform';
-- Reads the marts; the dbt/migration side grants it SELECT schema by schema.
ALTER ROLE cdc_analyst WITH LOGIN NOCREATEDB NOCREATEROLE NOREPLICATION NOSUPERUSER PASSWORD 'cdc_analyst';
-- The schema registry's SQL storage.
ALTER ROLE cdc_registry WITH LOGIN NOCREATEDB NOCREATEROLE NOREPLICATION NOSUPERUSER PASSWORD 'cdc_registry';
