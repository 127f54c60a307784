-- One row per SKU and effective date: a unit-cost version (raw is unique on that key).
with source as (
    select * from {{ source('raw', 'cogs') }}
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
