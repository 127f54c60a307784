-- COGS rule (docs/decisions.md): a cost version holds from its effective date until the day
-- before the next version of the same SKU; the last version holds until further notice.
with versions as (
    select * from {{ ref('stg_raw__cogs') }}
),

ranged as (
    select
        sku,
        effective_from,
        lead(effective_from) over (partition by sku order by effective_from) as next_effective_from,
        unit_cost,
        currency_code
    from versions
)

select
    {{ surrogate_key(['sku', 'effective_from']) }} as cogs_version_id,
    sku,
    effective_from,
    coalesce(
        cast({{ dbt.dateadd('day', -1, 'next_effective_from') }} as date),
        cast('9999-12-31' as date)
    ) as effective_to,
    unit_cost,
    currency_code
from ranged
