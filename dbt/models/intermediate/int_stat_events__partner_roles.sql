-- Every event concerns two partners: the diffuser that spread the mission and the announcer whose mission
-- it is. Partner statistics count it once for each, in that role; a partner spreading its own missions gets
-- the event in both roles, which is what each role's figures should show.
with

stat_events as (

    select * from {{ ref('stg_core__stat_events') }}

),

diffused as (

    select
        stat_event_id,
        'diffuser' as partner_role,
        diffuser_partner_id as partner_id,
        event_type,
        is_bot,
        visitor_pseudonym,
        occurred_at,
        occurred_on

    from stat_events

),

announced as (

    select
        stat_event_id,
        'announcer' as partner_role,
        announcer_partner_id as partner_id,
        event_type,
        is_bot,
        visitor_pseudonym,
        occurred_at,
        occurred_on

    from stat_events

),

unioned as (

    select * from diffused
    union all
    select * from announced

)

select * from unioned
