-- Customer accounts as last delivered: one row per account, its latest version (by updated_at,
-- then the latest delivery of it). The customers snapshot's input.

with delivered as (
    select * from {{ ref('stg_raw__customers') }}
),

latest as (
    {{ dedupe_latest('delivered', 'customer_id',
        'updated_at desc nulls last, ' ~ delivery_order('dlt_load_id', 'source_file')) }}
)

select
    customer_id,
    customer_name,
    email,
    country_code,
    region,
    customer_segment,
    loyalty_tier,
    parent_customer_id,
    created_at,
    updated_at,
    source_file,
    dlt_load_id
from latest
