with

source as (

    select * from {{ source('core', 'partners') }}

),

renamed as (

    select
        id as partner_id,
        public_id as partner_public_id,
        name as partner_name,
        website_url,
        is_announcer,
        is_diffuser,
        commission_rate,
        created_at,
        updated_at

    from source
    -- Current state: a partner deleted in the core is gone (raw keeps it for audits).
    where not _deleted

)

select * from renamed
