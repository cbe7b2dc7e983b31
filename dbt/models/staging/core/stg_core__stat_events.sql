with

source as (

    select * from {{ source('core', 'stat_events') }}

),

renamed as (

    select
        id as stat_event_id,
        type as event_type,
        source as event_source,
        -- The diffuser spreads the announcer's mission (see the core's stat_events comment).
        from_publisher_id as diffuser_partner_id,
        to_publisher_id as announcer_partner_id,
        mission_id,
        mission_client_id,
        widget_id,
        campaign_id,
        click_id,
        -- Already a keyed pseudonym (HMAC) in raw: counts distinct visitors, identifies nobody.
        user_fingerprint as visitor_pseudonym,
        is_bot,
        created_at as occurred_at,
        -- Days are UTC days, the same days as the micro-batches, whatever the session time zone.
        (created_at at time zone 'UTC')::date as occurred_on,
        updated_at

    from source
    -- A deleted (or truncated) event was withdrawn at the source: it must not count anywhere.
    -- custom_attributes (free-form tracker JSON) is left out until someone reviews what it may hold.
    where not _deleted

)

select * from renamed
