{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='day',
        unique_key='day',
        begin='2026-01-01',
        batch_size='day',
    )
}}

select
    date_trunc('day', happened_at) as day,
    count(*) as events
from {{ source('raw', 'fixture_events') }}
group by 1
