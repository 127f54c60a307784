-- SCD2 product dimension: one row per product version, the products snapshot's and those
-- delivered that it never held (decision log §7), plus the unknown member (product_key of the
-- unknown SKU) that facts fall back to.
with versions as (
    {{ scd2_versions(ref('products_snapshot'), ref('stg_raw__products'), 'sku',
        ['product_name', 'category', 'subcategory', 'brand', 'list_price_usd', 'product_status']) }}
),

known as (
    select
        {{ surrogate_key(['sku', 'version_from']) }} as product_key,
        sku,
        product_name,
        category,
        subcategory,
        brand,
        list_price_usd,
        product_status,
        valid_from,
        valid_to,
        is_current
    from versions
),

unknown_member as (
    select
        {{ surrogate_key(["'unknown'"]) }} as product_key,
        'unknown' as sku,
        'Unknown product' as product_name,
        'unknown' as category,
        'unknown' as subcategory,
        'unknown' as brand,
        cast(null as {{ money_type() }}) as list_price_usd,
        'unknown' as product_status,
        cast('1900-01-01' as timestamp) as valid_from,
        cast('9999-12-31' as timestamp) as valid_to,
        true as is_current
)

select * from known
union all
select * from unknown_member
