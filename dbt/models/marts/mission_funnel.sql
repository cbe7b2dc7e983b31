-- Rebuilt from the fact each tick: a mission's funnel spans its whole life, and a late change to any of its
-- events (a bot flag, the mission's deletion detaching them) must show at once.
with

missions as (

    select * from {{ ref('dim_missions') }}

),

stat_events as (

    select * from {{ ref('fct_stat_events') }}

),

mission_counts as (

    select
        mission_id,
        {{ stat_event_counts() }},
        count(distinct visitor_pseudonym) filter (
            where event_type = 'print' and not is_bot
        ) as printed_visitors,
        count(distinct visitor_pseudonym) filter (
            where event_type = 'click' and not is_bot
        ) as clicked_visitors,
        count(distinct visitor_pseudonym) filter (
            where event_type = 'apply' and not is_bot
        ) as applied_visitors,
        min(occurred_at) filter (where not is_bot) as first_event_at,
        max(occurred_at) filter (where not is_bot) as last_event_at

    from stat_events
    -- Events of deleted missions have lost their mission_id: they belong to no current funnel.
    where mission_id is not null
    group by mission_id

),

funnel_counts as (

    select
        missions.mission_id,
        missions.announcer_partner_id,
        missions.mission_status,
        coalesce(mission_counts.prints, 0) as prints,
        coalesce(mission_counts.clicks, 0) as clicks,
        coalesce(mission_counts.applies, 0) as applies,
        coalesce(mission_counts.accounts, 0) as accounts,
        coalesce(mission_counts.printed_visitors, 0) as printed_visitors,
        coalesce(mission_counts.clicked_visitors, 0) as clicked_visitors,
        coalesce(mission_counts.applied_visitors, 0) as applied_visitors,
        coalesce(mission_counts.bot_events, 0) as bot_events,
        mission_counts.first_event_at,
        mission_counts.last_event_at

    from missions
    left join mission_counts on missions.mission_id = mission_counts.mission_id

),

funnel as (

    select
        mission_id,
        announcer_partner_id,
        mission_status,
        prints,
        clicks,
        applies,
        accounts,
        printed_visitors,
        clicked_visitors,
        applied_visitors,
        bot_events,
        {{ stat_event_rates() }},
        {{ rate('applies', 'prints') }} as print_to_apply_rate,
        first_event_at,
        last_event_at

    from funnel_counts

)

select * from funnel
