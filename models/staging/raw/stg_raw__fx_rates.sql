-- One row per publication date and currency: USD per one unit of the currency, as last
-- delivered (a corrected rate re-sent in a later file replaces the first one).
with source as (
    {{ dedupe_latest(source('raw', 'fx_rates'), 'rate_date, currency', delivery_order()) }}
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
