with

campaigns as (

    select * from {{ ref('stg_core__campaigns') }}

),

dimension as (

    select
        campaign_id,
        campaign_public_id,
        campaign_name,
        diffuser_partner_id,
        announcer_partner_id,
        campaign_kind,
        budget,
        spent,
        starts_on,
        ends_on,
        is_active,
        created_at,
        updated_at

    from campaigns

)

select * from dimension
