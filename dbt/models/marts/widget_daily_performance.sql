{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='stat_date',
        batch_size='day',
        begin=var('marts_begin'),
        lookback=3,
        unique_key=['stat_date', 'widget_id'],
    )
}}

with

stat_events as (

    select * from {{ ref('stg_core__stat_events') }}

),

daily_counts as (

    select
        occurred_on as stat_date,
        widget_id,
        {{ stat_event_counts() }}

    from stat_events
    -- widget_id is set on widget events only, and becomes NULL when the widget is deleted in the core.
    where
        widget_id is not null
        -- dbt rounds the window's end up to midnight; the watermark (--event-time-end) is the real end.
        and {{ created_before_watermark('occurred_at') }}
    group by occurred_on, widget_id

),

daily_performance as (

    select
        stat_date,
        widget_id,
        prints,
        clicks,
        applies,
        accounts,
        visitors,
        bot_events,
        {{ stat_event_rates() }}

    from daily_counts

)

select * from daily_performance
