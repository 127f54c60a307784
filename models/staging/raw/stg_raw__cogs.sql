-- One row per SKU and effective date: a unit-cost version, as last delivered.
with source as (
    {{ dedupe_latest(source('raw', 'cogs'), 'sku, effective_from', delivery_order()) }}
),

renamed as (
    select
        sku,
        cast(effective_from as date) as effective_from,
        cast(unit_cost as numeric(18, 4)) as unit_cost,
        currency as currency_code,
        _source_file as source_file,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
