-- One row per SKU: the latest version delivered. Raw keeps every version (sku, updated_at);
-- the history the warehouse reports on comes from the products snapshot built on this model.
with source as (
    {{ dedupe_latest(source('raw', 'products'), 'sku', 'updated_at desc nulls last, ' ~ delivery_order()) }}
),

renamed as (
    select
        sku,
        product_name,
        category,
        subcategory,
        brand,
        {{ to_money('list_price') }} as list_price_usd,
        status as product_status,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _source_file as source_file,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
