{#-
  Model grants (`+grants` in dbt_project.yml) cover the marts' tables, but a role also needs USAGE on their
  schema, which dbt does not grant. Skipped when the role or the schema does not exist (a bare PostgreSQL,
  or a command that built nothing), so no dbt command fails for it.
-#}
{% macro grant_marts_schema_usage(role) %}
    {%- set schema_name = generate_schema_name('marts', none) | trim -%}
    do $grant$
    begin
        if exists (select from pg_catalog.pg_roles where rolname = '{{ role }}')
            and exists (select from pg_catalog.pg_namespace where nspname = '{{ schema_name }}') then
            execute format('grant usage on schema %I to %I', '{{ schema_name }}', '{{ role }}');
        end if;
    end
    $grant$
{% endmacro %}
