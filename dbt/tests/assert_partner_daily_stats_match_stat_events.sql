-- Reconciliation: partner_daily_stats and fct_stat_events are both micro-batched, from the same events but
-- through different models. A (day, partner, role) whose counts differ means one of them kept a stale batch
-- (a window not rebuilt after a late change), which is exactly what an incremental build must not leave.
with

facts as (

    select
        occurred_on as stat_date,
        diffuser_partner_id as partner_id,
        'diffuser' as partner_role,
        event_type,
        is_bot
    from {{ ref('fct_stat_events') }}

    union all

    select
        occurred_on as stat_date,
        announcer_partner_id as partner_id,
        'announcer' as partner_role,
        event_type,
        is_bot
    from {{ ref('fct_stat_events') }}

),

expected as (

    select
        stat_date,
        partner_id,
        partner_role,
        count(*) filter (where event_type = 'print' and not is_bot) as prints,
        count(*) filter (where event_type = 'click' and not is_bot) as clicks,
        count(*) filter (where event_type = 'apply' and not is_bot) as applies,
        count(*) filter (where event_type = 'account' and not is_bot) as accounts,
        count(*) filter (where is_bot) as bot_events
    from facts
    group by stat_date, partner_id, partner_role

),

actual as (

    select
        stat_date,
        partner_id,
        partner_role,
        prints,
        clicks,
        applies,
        accounts,
        bot_events
    from {{ ref('partner_daily_stats') }}

),

mismatches as (

    select
        coalesce(expected.stat_date, actual.stat_date) as stat_date,
        coalesce(expected.partner_id, actual.partner_id) as partner_id,
        coalesce(expected.partner_role, actual.partner_role) as partner_role,
        expected.prints as expected_prints,
        actual.prints as actual_prints,
        expected.clicks as expected_clicks,
        actual.clicks as actual_clicks,
        expected.applies as expected_applies,
        actual.applies as actual_applies,
        expected.accounts as expected_accounts,
        actual.accounts as actual_accounts,
        expected.bot_events as expected_bot_events,
        actual.bot_events as actual_bot_events
    from expected
    -- A row on one side only shows as NULL counters on the other, so it is a mismatch too.
    full outer join actual
        on
            expected.stat_date = actual.stat_date
            and expected.partner_id = actual.partner_id
            and expected.partner_role = actual.partner_role
    where
        expected.prints is distinct from actual.prints
        or expected.clicks is distinct from actual.clicks
        or expected.applies is distinct from actual.applies
        or expected.accounts is distinct from actual.accounts
        or expected.bot_events is distinct from actual.bot_events

)

select * from mismatches
