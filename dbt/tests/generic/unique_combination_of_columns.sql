{#-
  The grain of a model whose key spans several columns (a daily mart, a link table). The same test as
  dbt_utils', written here so the project needs no package download.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
