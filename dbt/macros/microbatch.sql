{#-
  dbt-postgres implements `microbatch` as a MERGE on `unique_key`, which inserts and updates but never
  removes: an event deleted at the source (or a day whose last event was deleted) would stay in the mart
  forever, and an incremental build would no longer equal a full refresh. Each batch is the complete truth
  for its time window, so this override first deletes the target rows of the batch window (on the model's
  `event_time`), then runs dbt-postgres' MERGE on `unique_key` as before. The MERGE (rather than a plain
  insert) keeps `unique_key` unique even if a row's event time ever moved to another window.

  The bounds are written as untyped literals with an explicit UTC offset, so PostgreSQL reads them as the
  column's own type: exact for timestamptz, and the plain day for the daily marts' date columns, whatever
  the session time zone.
-#}
{% macro postgres__get_incremental_microbatch_sql(arg_dict) %}
    {%- if not arg_dict["unique_key"] -%}
        {{ exceptions.raise_compiler_error("dbt-postgres 'microbatch' requires a `unique_key` config") }}
    {%- endif -%}
    {%- set event_time = model.config.event_time -%}
    {%- if not event_time or not model.batch -%}
        {{ exceptions.raise_compiler_error("microbatch model " ~ model.name ~ " has no event_time or batch") }}
    {%- endif %}

    delete from {{ arg_dict["target_relation"] }}
    where
        {{ adapter.quote(event_time) }} >= '{{ model.batch.event_time_start }}'
        and {{ adapter.quote(event_time) }} < '{{ model.batch.event_time_end }}';

    {{ adapter.dispatch('get_incremental_merge_sql', 'dbt')(arg_dict) }}
{% endmacro %}
