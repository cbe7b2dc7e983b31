with

source as (

    select * from {{ source('core', 'widget_missions') }}

),

renamed as (

    select
        widget_id,
        mission_id,
        position as pin_position,
        added_at as pinned_at

    from source
    -- Unpinned missions are deleted rows; only current pins count.
    where not _deleted

)

select * from renamed
