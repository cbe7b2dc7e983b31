with

widgets as (

    select * from {{ ref('stg_core__widgets') }}

),

pins as (

    select * from {{ ref('stg_core__widget_missions') }}

),

pin_counts as (

    select
        widget_id,
        count(*) as pinned_missions

    from pins
    group by widget_id

),

dimension as (

    select
        widgets.widget_id,
        widgets.widget_public_id,
        widgets.diffuser_partner_id,
        widgets.widget_name,
        widgets.widget_style,
        widgets.mission_type,
        widgets.max_distance_km,
        widgets.is_active,
        coalesce(pin_counts.pinned_missions, 0) as pinned_missions,
        widgets.created_at,
        widgets.updated_at

    from widgets
    left join pin_counts on widgets.widget_id = pin_counts.widget_id

)

select * from dimension
