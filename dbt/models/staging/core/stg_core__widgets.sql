with

source as (

    select * from {{ source('core', 'widgets') }}

),

renamed as (

    select
        id as widget_id,
        public_id as widget_public_id,
        diffuser_id as diffuser_partner_id,
        name as widget_name,
        style as widget_style,
        mission_type,
        max_distance_km,
        is_active,
        created_at,
        updated_at

    from source
    where not _deleted

)

select * from renamed
