-- One row per customer record delivered: every version of every account, in every file that
-- carried it (raw keeps them all). The latest version of each account (the customers snapshot's
-- input) is int_customers_deduplicated; the history completes the snapshot's versions from these
-- rows (decision log §7).
with source as (
    select * from {{ source('raw', 'customers') }}
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
        _source_row_number as source_row_number,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
