-- What each partner currently runs, from the current-state staging models: missions it publishes, widgets
-- and campaigns it diffuses through. Counted apart and joined once, so no fan-out multiplies the counts.
with

missions as (

    select * from {{ ref('stg_core__missions') }}

),

widgets as (

    select * from {{ ref('stg_core__widgets') }}

),

campaigns as (

    select * from {{ ref('stg_core__campaigns') }}

),

partners as (

    select * from {{ ref('stg_core__partners') }}

),

mission_counts as (

    select
        announcer_partner_id as partner_id,
        count(*) as missions,
        count(*) filter (where mission_status = 'active') as active_missions

    from missions
    group by announcer_partner_id

),

widget_counts as (

    select
        diffuser_partner_id as partner_id,
        count(*) as widgets,
        count(*) filter (where is_active) as active_widgets

    from widgets
    group by diffuser_partner_id

),

campaign_counts as (

    select
        diffuser_partner_id as partner_id,
        count(*) as campaigns,
        count(*) filter (where is_active) as active_campaigns

    from campaigns
    group by diffuser_partner_id

),

activity as (

    select
        partners.partner_id,
        coalesce(mission_counts.missions, 0) as missions,
        coalesce(mission_counts.active_missions, 0) as active_missions,
        coalesce(widget_counts.widgets, 0) as widgets,
        coalesce(widget_counts.active_widgets, 0) as active_widgets,
        coalesce(campaign_counts.campaigns, 0) as campaigns,
        coalesce(campaign_counts.active_campaigns, 0) as active_campaigns

    from partners
    left join mission_counts on partners.partner_id = mission_counts.partner_id
    left join widget_counts on partners.partner_id = widget_counts.partner_id
    left join campaign_counts on partners.partner_id = campaign_counts.partner_id

)

select * from activity
