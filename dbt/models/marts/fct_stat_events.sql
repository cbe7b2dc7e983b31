{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='occurred_at',
        batch_size='day',
        begin=var('marts_begin'),
        lookback=3,
        unique_key='stat_event_id',
    )
}}

-- One batch per UTC day of occurred_at; dbt narrows the staging ref to the batch window, and the project's
-- microbatch strategy (macros/microbatch.sql) replaces the window, so deleted events leave the fact.
with

stat_events as (

    select * from {{ ref('stg_core__stat_events') }}

),

facts as (

    select
        stat_event_id,
        occurred_at,
        occurred_on,
        event_type,
        event_source,
        diffuser_partner_id,
        announcer_partner_id,
        mission_id,
        mission_client_id,
        widget_id,
        campaign_id,
        click_id,
        visitor_pseudonym,
        is_bot

    from stat_events
    -- dbt rounds the window's end up to midnight; the watermark (--event-time-end) is the real end.
    where {{ created_before_watermark('occurred_at') }}

)

select * from facts
