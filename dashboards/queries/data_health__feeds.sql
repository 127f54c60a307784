-- What the marts show of each feed: the latest date it reached them, and when the loader last
-- read a file of it (marts.feed_deliveries). Feeds no mart records a date of return null; the
-- page says why.
with deliveries as (
    select * from {{ ref('feed_deliveries') }}
),

transactions as (
    select
        max(event_date) as latest_date,
        count(*) as mart_rows,
        sum(case when not has_fx_rate then 1 else 0 end) as lines_without_rate,
        sum(case when not has_unit_cost then 1 else 0 end) as lines_without_cost
    from {{ ref('fct_transactions') }}
),

spend as (
    select
        max(spend_date) as latest_date,
        count(*) as mart_rows
    from {{ ref('fct_marketing_spend') }}
),

products as (
    select
        max(case when valid_from > timestamp '1900-01-01' then cast(valid_from as date) end) as latest_date,
        count(*) as mart_rows
    from {{ ref('dim_product') }}
    where is_current and sku <> 'unknown'
),

customers as (
    select
        max(case when valid_from > timestamp '1900-01-01' then cast(valid_from as date) end) as latest_date,
        count(*) as mart_rows
    from {{ ref('dim_customer') }}
    where is_current and customer_id <> 'unknown'
),

feeds as (
    select
        'transactions' as feed,
        latest_date,
        mart_rows,
        null as lines_missing,
        'marts.fct_transactions.event_date' as source
    from transactions
    union all
    select
        'marketing_spend', latest_date, mart_rows, null, 'marts.fct_marketing_spend.spend_date'
    from spend
    union all
    select
        'products', latest_date, mart_rows, null, 'marts.dim_product.valid_from (current versions)'
    from products
    union all
    select
        'customers', latest_date, mart_rows, null, 'marts.dim_customer.valid_from (current versions)'
    from customers
    union all
    select
        'cogs', null, null, lines_without_cost, 'marts.fct_transactions.has_unit_cost'
    from transactions
    union all
    select
        'fx_rates', null, null, lines_without_rate, 'marts.fct_transactions.has_fx_rate'
    from transactions
)

select
    feeds.*,
    deliveries.last_read_at as last_load_at,
    deliveries.is_delivered
from feeds
left join deliveries on feeds.feed = deliveries.feed
