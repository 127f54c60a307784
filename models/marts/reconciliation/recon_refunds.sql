-- 8. A refund references a sale line that exists, is not dated before it, and refunds never
-- exceed, cumulatively, the units or the goods value sold on that line.
with refunds as (
    select * from {{ ref('int_refund_lines_linked') }}
),

sales as (
    select
        line_event_id,
        currency_code,
        quantity,
        quantity * unit_price - line_discount as net_goods
    from {{ ref('stg_raw__transactions') }}
    where event_type = 'sale'
),

cumulative as (
    select
        refunds.refunded_line_event_id,
        max(refunds.currency_code) as currency_code,
        sum(refunds.quantity) as refunded_units,
        sum(refunds.refund_amount) as refunded_goods
    from refunds
    where refunds.has_sale_line
    group by refunds.refunded_line_event_id
)

select
    {{ recon_columns('refunds', "'refund line'", 'line_event_id', 'currency_code', 'null', 'refund_amount',
        "'refund references sale line ' || coalesce(refunded_line_event_id, '(none)') || ', which does not exist'", 'true') }}
from refunds
where not has_sale_line
union all
select
    {{ recon_columns('refunds', "'refund line'", 'line_event_id', 'currency_code', 'null', 'null',
        "'refund dated ' || cast(event_at as varchar(32)) || ', before its sale at ' || cast(sale_event_at as varchar(32))", 'true') }}
from refunds
where has_sale_line and event_at < sale_event_at
union all
select
    {{ recon_columns('refunds', "'sale line'", 'cumulative.refunded_line_event_id', 'cumulative.currency_code',
        'sales.quantity', 'cumulative.refunded_units', "'units refunded in total exceed the units sold'", 'true') }}
from cumulative
inner join sales on cumulative.refunded_line_event_id = sales.line_event_id
where cumulative.refunded_units > sales.quantity
union all
select
    {{ recon_columns('refunds', "'sale line'", 'cumulative.refunded_line_event_id', 'cumulative.currency_code',
        'sales.net_goods', 'cumulative.refunded_goods', "'goods refunded in total exceed the goods sold'",
        'cumulative.refunded_goods - sales.net_goods > ' ~ var('reconciliation_tolerance')) }}
from cumulative
inner join sales on cumulative.refunded_line_event_id = sales.line_event_id
where cumulative.refunded_goods > sales.net_goods
