-- One row per publication date and currency: USD per one unit of the currency.
with source as (
    select * from {{ source('raw', 'fx_rates') }}
),

renamed as (
    select
        cast(rate_date as date) as rate_date,
        currency as currency_code,
        cast(rate_to_usd as {{ rate_type() }}) as rate_to_usd,
        _source_file as source_file,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
