-- Each sale line with the unit cost in force on its sale date (the version with the latest
-- effective date on or before that date), converted to the reporting currency at the cost
-- currency's rate of the sale date. has_unit_cost is false where no version exists yet.
-- Incremental (decision log §11): a run costs only the lines int_transaction_lines_invalidated
-- lists.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
with sale_lines as (
    select
        *,
        cast(event_at as date) as event_date
    from {{ ref('int_transaction_lines_deduplicated') }}
    -- sqlfluff reads the indent of this templated filter differently in each branch
    -- noqa: disable=LT02
    where event_type = 'sale'
    {%- if is_incremental() %}
        and {{ listed_rows(ref('int_transaction_lines_deduplicated'), 'line_event_id',
            'int_transaction_lines_invalidated') }}
    {%- endif %}
),
-- noqa: enable=LT02

cost_versions as (
    select * from {{ ref('int_cogs_versions_ranged') }}
),

fx as (
    select * from {{ ref('int_fx_rates_filled') }}
),

costed as (
    select
        sale_lines.*,
        cost_versions.cogs_version_id,
        cost_versions.unit_cost,
        cost_versions.currency_code as cost_currency_code,
        cost_fx.rate_to_usd as cost_rate_to_usd
    from sale_lines
    left join cost_versions
        on sale_lines.sku = cost_versions.sku
            and sale_lines.event_date between cost_versions.effective_from and cost_versions.effective_to
    left join fx as cost_fx
        on cost_versions.currency_code = cost_fx.currency_code
            and sale_lines.event_date = cost_fx.date_day
)

select
    *,
    cogs_version_id is not null as has_unit_cost,
    cast(unit_cost * cost_rate_to_usd as numeric(18, 8)) as unit_cost_usd
from costed
