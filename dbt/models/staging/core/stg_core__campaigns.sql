with

source as (

    select * from {{ source('core', 'campaigns') }}

),

renamed as (

    select
        id as campaign_id,
        public_id as campaign_public_id,
        name as campaign_name,
        from_publisher_id as diffuser_partner_id,
        to_publisher_id as announcer_partner_id,
        kind as campaign_kind,
        budget,
        spent,
        starts_on,
        ends_on,
        is_active,
        created_at,
        updated_at

    from source
    where not _deleted

)

select * from renamed
