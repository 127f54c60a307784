-- One row per sales channel (from the channels seed), plus the unknown member.
with channels as (
    select * from {{ ref('channels') }}
),

known as (
    select
        {{ surrogate_key(['channel']) }} as channel_key,
        channel,
        channel_name,
        channel_group,
        fee_model
    from channels
),

unknown_member as (
    select
        {{ surrogate_key(["'unknown'"]) }} as channel_key,
        'unknown' as channel,
        'Unknown channel' as channel_name,
        'unknown' as channel_group,
        'unknown' as fee_model
)

select * from known
union all
select * from unknown_member
