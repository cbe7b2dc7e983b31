with

source as (

    select * from {{ source('core', 'missions') }}

),

renamed as (

    select
        id as mission_id,
        publisher_id as announcer_partner_id,
        client_id as mission_client_id,
        title as mission_title,
        status as mission_status,
        domain as mission_domain,
        -- The organisation's place: only the coarse parts, the street adds nothing to analytics.
        address ->> 'city' as city,
        address ->> 'departmentCode' as department_code,
        places,
        min_age,
        compensation,
        is_remote,
        start_date,
        end_date,
        published_at,
        created_at,
        updated_at

    from source
    -- description (free text that can name a contact person), tags and metadata stay in raw.
    where not _deleted

)

select * from renamed
