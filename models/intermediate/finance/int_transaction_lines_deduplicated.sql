-- The latest delivery of every sale and refund line (decision log §9: dedupe_latest in delivery
-- order, the rule every feed's staging applies), kept as a table: the chain and the
-- reconciliation read it instead of each ranking all of raw again. Incremental: a run ranks again
-- only the lines a load delivered since the table's newest load, and the lines whose kept delivery
-- (file and load) left raw, a corrected file having replaced it: such a line takes its latest
-- remaining delivery, and a line with none left is deleted by the post-hook.
-- recon_completeness ties this table to raw in rows and money.
with deliveries as (
    select * from {{ ref('stg_raw__transactions') }}
),

{% if is_incremental() %}
    kept as (
        select
            line_event_id,
            source_file,
            dlt_load_id
        from {{ this }}
    ),

    delivered_since as (
        select deliveries.line_event_id
        from deliveries
        where deliveries.dlt_load_id > (select coalesce(max(kept.dlt_load_id), '') from kept)
    ),

    delivery_gone as (
        select kept.line_event_id
        from kept
        left join deliveries
            on kept.line_event_id = deliveries.line_event_id
                and kept.dlt_load_id = deliveries.dlt_load_id
                and kept.source_file = deliveries.source_file
        where deliveries.line_event_id is null
    ),

    candidates as (
        select deliveries.*
        from deliveries
        where deliveries.line_event_id in (select delivered_since.line_event_id from delivered_since)
            or deliveries.line_event_id in (select delivery_gone.line_event_id from delivery_gone)
    ),
{% else %}
    candidates as (
        select * from deliveries
    ),
{% endif %}

latest as (
    {{ dedupe_latest('candidates', 'line_event_id', delivery_order('dlt_load_id', 'source_file')) }}
)

select
    line_event_id,
    event_type,
    order_id,
    line_number,
    event_at,
    channel,
    store_id,
    currency_code,
    customer_id,
    sku,
    quantity,
    unit_price,
    line_discount,
    line_tax,
    shipping_charged,
    shipping_cost,
    platform_fee,
    campaign_id,
    reported_order_total,
    refunded_line_event_id,
    refund_amount,
    refund_reason,
    is_restocked,
    source_file,
    source_row_number,
    dlt_load_id
from latest
