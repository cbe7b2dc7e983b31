with

missions as (

    select * from {{ ref('stg_core__missions') }}

),

pins as (

    select * from {{ ref('stg_core__widget_missions') }}

),

pin_counts as (

    select
        mission_id,
        count(*) as pinned_in_widgets

    from pins
    group by mission_id

),

dimension as (

    select
        missions.mission_id,
        missions.announcer_partner_id,
        missions.mission_client_id,
        missions.mission_title,
        missions.mission_status,
        missions.mission_domain,
        missions.city,
        missions.department_code,
        missions.places,
        missions.min_age,
        missions.compensation,
        missions.is_remote,
        missions.start_date,
        missions.end_date,
        missions.published_at,
        coalesce(pin_counts.pinned_in_widgets, 0) as pinned_in_widgets,
        missions.created_at,
        missions.updated_at

    from missions
    left join pin_counts on missions.mission_id = pin_counts.mission_id

)

select * from dimension
