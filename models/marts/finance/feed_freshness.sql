-- What the marts hold of each feed, for the Data health page: the latest date the feed's rows
-- reached them and how many rows, and how many fact lines the cost and rate feeds leave unknown.
-- Masters date a current version by when it became valid; their first extract is dated before
-- 1900 and gives no date. Feeds no mart records a date of (cogs, fx_rates) have a null date.
-- Grain: one row per feed.
with transactions as (
    select * from {{ ref('fct_transactions') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

products as (
    select * from {{ ref('dim_product') }}
    where is_current and sku <> 'unknown'
),

customers as (
    select * from {{ ref('dim_customer') }}
    where is_current and customer_id <> 'unknown'
),

transaction_totals as (
    select
        max(event_date) as latest_date,
        count(*) as mart_rows,
        -- a line without a rate for its own currency, or whose cost version's currency has none
        -- that day (its cost delivered, its COGS unknown: the cogs row does not count it)
        sum({{ feed_lines_missing()['fx_rates'] }}) as lines_without_rate,
        sum({{ feed_lines_missing()['cogs'] }}) as lines_without_cost
    from transactions
),

spend_totals as (
    select
        max(spend_date) as latest_date,
        count(*) as mart_rows
    from spend
),

product_totals as (
    select
        max(case when valid_from > timestamp '1900-01-01' then cast(valid_from as date) end) as latest_date,
        count(*) as mart_rows
    from products
),

customer_totals as (
    select
        max(case when valid_from > timestamp '1900-01-01' then cast(valid_from as date) end) as latest_date,
        count(*) as mart_rows
    from customers
),

feeds as (
    select
        'transactions' as feed,
        1 as feed_order,
        latest_date,
        mart_rows,
        cast(null as bigint) as lines_missing,
        'marts.fct_transactions.event_date' as source_column
    from transaction_totals
    union all
    select
        'marketing_spend' as feed,
        2 as feed_order,
        latest_date,
        mart_rows,
        cast(null as bigint) as lines_missing,
        'marts.fct_marketing_spend.spend_date' as source_column
    from spend_totals
    union all
    select
        'products' as feed,
        3 as feed_order,
        latest_date,
        mart_rows,
        cast(null as bigint) as lines_missing,
        'marts.dim_product.valid_from (current versions)' as source_column
    from product_totals
    union all
    select
        'customers' as feed,
        4 as feed_order,
        latest_date,
        mart_rows,
        cast(null as bigint) as lines_missing,
        'marts.dim_customer.valid_from (current versions)' as source_column
    from customer_totals
    union all
    select
        'cogs' as feed,
        5 as feed_order,
        cast(null as date) as latest_date,
        cast(null as bigint) as mart_rows,
        lines_without_cost as lines_missing,
        'marts.fct_transactions.has_unit_cost' as source_column
    from transaction_totals
    union all
    select
        'fx_rates' as feed,
        6 as feed_order,
        cast(null as date) as latest_date,
        cast(null as bigint) as mart_rows,
        lines_without_rate as lines_missing,
        'marts.fct_transactions.has_fx_rate, cogs_usd' as source_column
    from transaction_totals
)

select
    cast(feed as {{ string_type(32) }}) as feed,
    cast(feed_order as integer) as feed_order,
    cast(latest_date as date) as latest_date,
    cast(mart_rows as bigint) as mart_rows,
    cast(lines_missing as bigint) as lines_missing,
    cast(source_column as {{ string_type(64) }}) as source_column
from feeds
order by feed_order asc
