-- One row per product record delivered: every version of every SKU, in every file that carried
-- it (raw keeps them all). The latest version of each SKU (the products snapshot's input) is
-- int_products_deduplicated; the history completes the snapshot's versions from these rows
-- (decision log §7).
with source as (
    select * from {{ source('raw', 'products') }}
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
        _source_row_number as source_row_number,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
