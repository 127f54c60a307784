-- One row per delivered file, metric and currency: what the source system claims.
with source as (
    {{ dedupe_latest(source('raw', 'control_totals'), 'file_name, metric, currency', delivery_order()) }}
),

renamed as (
    select
        file_name,
        feed,
        cast(business_date as date) as business_date,
        metric,
        currency as currency_code,
        cast(value as numeric(28, 6)) as claimed_value,
        _source_file as source_file
    from source
)

select * from renamed
