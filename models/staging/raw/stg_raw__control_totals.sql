-- One row per delivered file, metric and currency: what the source system claims.
with source as (
    select * from {{ source('raw', 'control_totals') }}
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
