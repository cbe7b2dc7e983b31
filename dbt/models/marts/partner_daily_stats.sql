{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='stat_date',
        batch_size='day',
        begin=var('marts_begin'),
        lookback=3,
        unique_key=['stat_date', 'partner_id', 'partner_role'],
    )
}}

-- A daily batch holds every event of its UTC day, so each (day, partner, role) row is computed whole,
-- distinct visitors included.
with

partner_events as (

    select * from {{ ref('int_stat_events__partner_roles') }}

),

daily_counts as (

    select
        occurred_on as stat_date,
        partner_id,
        partner_role,
        {{ stat_event_counts() }}

    from partner_events
    -- dbt rounds the window's end up to midnight; the watermark (--event-time-end) is the real end.
    where {{ created_before_watermark('occurred_at') }}
    group by occurred_on, partner_id, partner_role

),

daily_stats as (

    select
        stat_date,
        partner_id,
        partner_role,
        prints,
        clicks,
        applies,
        accounts,
        visitors,
        bot_events,
        {{ stat_event_rates() }}

    from daily_counts

)

select * from daily_stats
