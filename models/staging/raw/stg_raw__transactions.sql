-- One row per delivered sale or refund line: raw keeps each delivered file's rows, so a line a
-- later file carried again is here twice. The latest delivery of each line, the one that counts,
-- is int_transaction_lines_deduplicated: an incremental table, so no run ranks all of raw again.
with source as (
    select * from {{ source('raw', 'transactions') }}
),

renamed as (
    select
        line_event_id,
        event_type,
        order_id,
        cast(line_number as integer) as line_number,
        {{ to_utc_timestamp('event_ts') }} as event_at,
        channel,
        store_id,
        currency as currency_code,
        customer_id,
        sku,
        cast(quantity as integer) as quantity,
        {{ to_money('unit_price') }} as unit_price,
        {{ to_money('line_discount') }} as line_discount,
        {{ to_money('line_tax') }} as line_tax,
        {{ to_money('shipping_charged') }} as shipping_charged,
        {{ to_money('shipping_cost') }} as shipping_cost,
        {{ to_money('platform_fee') }} as platform_fee,
        campaign_id,
        {{ to_money('order_total') }} as reported_order_total,
        refunded_line_event_id,
        {{ to_money('refund_amount') }} as refund_amount,
        refund_reason,
        restocked as is_restocked,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
