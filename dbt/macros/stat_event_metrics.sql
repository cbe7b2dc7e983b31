{#-
  The counters and ratios every statistics mart shares, so that "a click" or "a click-through rate" means
  the same thing everywhere. One file on purpose: sqlfluff's jinja templater only lets a macro call macros
  of its own file.
-#}

{#-
  Over rows with the columns of stg_core__stat_events. Bot traffic (flagged by the core's bot filter) is
  counted apart and left out of the funnel counters, the visitors and the rates.
-#}
{% macro stat_event_counts() -%}
    count(*) filter (where event_type = 'print' and not is_bot) as prints,
    count(*) filter (where event_type = 'click' and not is_bot) as clicks,
    count(*) filter (where event_type = 'apply' and not is_bot) as applies,
    count(*) filter (where event_type = 'account' and not is_bot) as accounts,
    count(distinct visitor_pseudonym) filter (where not is_bot) as visitors,
    count(*) filter (where is_bot) as bot_events
{%- endmacro %}

{#- Over a relation that has the counters of stat_event_counts() as columns. -#}
{% macro stat_event_rates() -%}
    {{ rate('clicks', 'prints') }} as click_through_rate,
    {{ rate('applies', 'clicks') }} as conversion_rate
{%- endmacro %}

{#-
  NULL (not 0) when the denominator is 0: "no prints" is not "a click-through rate of 0", and NULL keeps
  averages over days honest. Rounded to 4 decimals so that the same counts always store the same value,
  whichever build (incremental or full refresh) wrote it.
-#}
{% macro rate(numerator, denominator) -%}
    round({{ numerator }}::numeric / nullif({{ denominator }}, 0), 4)
{%- endmacro %}
