-- One row per customer account: the latest version delivered. Raw keeps every version
-- (customer_id, updated_at); history comes from the customers snapshot built on this model.
with source as (
    {{ dedupe_latest(source('raw', 'customers'), 'customer_id', 'updated_at desc nulls last, ' ~ delivery_order()) }}
),

renamed as (
    select
        customer_id,
        customer_name,
        email,
        country_code,
        region,
        segment as customer_segment,
        loyalty_tier,
        parent_customer_id,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _source_file as source_file,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
