with

partners as (

    select * from {{ ref('stg_core__partners') }}

),

activity as (

    select * from {{ ref('int_partners__activity') }}

),

dimension as (

    select
        partners.partner_id,
        partners.partner_public_id,
        partners.partner_name,
        partners.website_url,
        partners.is_announcer,
        partners.is_diffuser,
        partners.commission_rate,
        activity.missions,
        activity.active_missions,
        activity.widgets,
        activity.active_widgets,
        activity.campaigns,
        activity.active_campaigns,
        partners.created_at,
        partners.updated_at

    from partners
    inner join activity on partners.partner_id = activity.partner_id

)

select * from dimension
