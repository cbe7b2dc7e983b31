{#-
  The marts builder passes its consistent watermark as `--event-time-end`. dbt widens that end to the next
  batch boundary (midnight, batches are whole days), so the last batch would also take in events created
  after the watermark, whose related changes (the click an apply follows, on another partition) may not be
  in raw yet. This predicate cuts the events there. dbt reads the flag as a naive UTC time, and so does the
  cast. Without the flag (a plain or full build) it is simply true.

  Only event creation is cut: raw holds the current state of each row, so an update committed after the
  watermark (a bot flag on an older event) is visible whatever the cut.
-#}
{% macro created_before_watermark(column) -%}
    {%- set event_time_end = invocation_args_dict.get('event_time_end') if invocation_args_dict is defined -%}
    {%- if event_time_end -%}
        {{ column }} < ('{{ event_time_end }}'::timestamp at time zone 'UTC')
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
