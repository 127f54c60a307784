-- The product master as last delivered: one row per SKU, its latest version (by updated_at, then
-- the latest delivery of it). The products snapshot's input.

with delivered as (
    select * from {{ ref('stg_raw__products') }}
),

latest as (
    {{ dedupe_latest('delivered', 'sku',
        'updated_at desc nulls last, ' ~ delivery_order('dlt_load_id', 'source_file')) }}
)

select
    sku,
    product_name,
    category,
    subcategory,
    brand,
    list_price_usd,
    product_status,
    updated_at,
    source_file,
    dlt_load_id
from latest
