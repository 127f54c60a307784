-- Every refund at the grain of the sale line it refunds (decision log §2, order-level refunds):
-- a refund that names its sale line passes through as delivered; a refund that names only its
-- order (refunded_line_event_id empty: a goodwill credit, a cancellation) is split over the
-- order's sale lines, one part per line:
--   money      every amount of the refund in proportion to each line's goods after discount
--              (equal shares when the order's goods are 0), whole cents rounded down, and the
--              rounding remainder on the order's first line, so the parts add up exactly;
--   units      all of each line's units when the refund returns all the order's units (a
--              cancellation), none when it returns 0 (an amount-only refund); any other count
--              cannot be placed on lines and is left unallocated for recon_refunds to fail;
--   attributes the part is the sale line's SKU and line number, and keeps the refund's id as
--              delivered_line_event_id (its own id is the refund's id, ':', the sale line's id).
-- A refund whose order has no sale line stays one unallocated row, without a sale line.
-- Incremental (decision log §11): a run splits only the refunds int_transaction_lines_invalidated
-- lists, each against all the sale lines of its order.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
{% set amounts = ['refund_amount', 'line_discount', 'line_tax', 'shipping_charged', 'shipping_cost', 'platform_fee'] %}
with refund_lines as (
    select * from {{ ref('int_transaction_lines_deduplicated') }}
    -- sqlfluff reads the indent of this templated filter differently in each branch
    -- noqa: disable=LT02
    where event_type = 'refund'
    {%- if is_incremental() %}
        and {{ listed_rows(ref('int_transaction_lines_deduplicated'), 'line_event_id',
            'int_transaction_lines_invalidated') }}
    {%- endif %}
),
-- noqa: enable=LT02

sale_lines as (
    select
        order_id,
        line_event_id,
        line_number,
        sku,
        unit_price,
        quantity,
        cast(round((quantity * unit_price - line_discount) * 100) as bigint) as goods_cents
    from {{ ref('int_transaction_lines_deduplicated') }}
    where
        event_type = 'sale'
        -- only the orders an order-level refund is split over: the other sale lines have no use here
        and order_id in (
            select order_credits.order_id
            from refund_lines as order_credits
            where order_credits.refunded_line_event_id is null
        )
),

orders as (
    select
        order_id,
        sum(quantity) as units,
        sum(goods_cents) as goods_cents,
        count(*) as line_count,
        min(line_number) as first_line_number
    from sale_lines
    group by order_id
),

order_level as (
    select
        refund_lines.*,
        orders.units as order_units,
        orders.line_count as order_line_count
    from refund_lines
    inner join orders on refund_lines.order_id = orders.order_id
    where
        refund_lines.refunded_line_event_id is null
        and (refund_lines.quantity = 0 or refund_lines.quantity = orders.units)
),

shares as (
    select
        order_level.line_event_id as delivered_line_event_id,
        sale_lines.line_event_id as sale_line_event_id,
        sale_lines.line_number,
        sale_lines.sku,
        sale_lines.unit_price,
        case when order_level.quantity = 0 then 0 else sale_lines.quantity end as quantity,
        sale_lines.line_number = orders.first_line_number as is_first_line,
        {% for amount in amounts -%}
            {{ floor_divide(
                'cast(round(order_level.' ~ amount ~ ' * 100) as bigint)'
                ~ ' * case when orders.goods_cents = 0 then 1 else sale_lines.goods_cents end',
                'case when orders.goods_cents = 0 then orders.line_count else orders.goods_cents end') }} as {{ amount }}_cents,
        {% endfor -%}
        order_level.order_id
    from order_level
    inner join orders on order_level.order_id = orders.order_id
    inner join sale_lines on order_level.order_id = sale_lines.order_id
),

remainders as (
    select
        shares.delivered_line_event_id,
        {% for amount in amounts -%}
            {% set delivered_cents = 'max(cast(round(order_level.' ~ amount ~ ' * 100) as bigint))' %}
            {{ delivered_cents }} - sum(shares.{{ amount }}_cents) as {{ amount }}_remainder
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from shares
    inner join order_level on shares.delivered_line_event_id = order_level.line_event_id
    group by shares.delivered_line_event_id
),

parts as (
    select
        order_level.line_event_id || ':' || shares.sale_line_event_id as line_event_id,
        order_level.line_event_id as delivered_line_event_id,
        order_level.event_type,
        order_level.order_id,
        shares.line_number,
        order_level.event_at,
        order_level.channel,
        order_level.store_id,
        order_level.currency_code,
        order_level.customer_id,
        shares.sku,
        shares.quantity,
        shares.unit_price,
        {% for amount in amounts if amount != 'refund_amount' -%}
            {{ to_money(
                '(shares.' ~ amount ~ '_cents + case when shares.is_first_line then remainders.'
                ~ amount ~ '_remainder else 0 end) * 0.01') }} as {{ amount }},
        {% endfor -%}
        order_level.campaign_id,
        order_level.reported_order_total,
        shares.sale_line_event_id as refunded_line_event_id,
        {{ to_money(
            '(shares.refund_amount_cents + case when shares.is_first_line then remainders.refund_amount_remainder'
            ~ ' else 0 end) * 0.01') }} as refund_amount,
        order_level.refund_reason,
        order_level.is_restocked,
        order_level.source_file,
        order_level.source_row_number,
        order_level.dlt_load_id,
        true as is_order_level_refund
    from shares
    inner join order_level on shares.delivered_line_event_id = order_level.line_event_id
    inner join remainders on shares.delivered_line_event_id = remainders.delivered_line_event_id
),

as_delivered as (
    select
        refund_lines.line_event_id,
        refund_lines.line_event_id as delivered_line_event_id,
        refund_lines.event_type,
        refund_lines.order_id,
        refund_lines.line_number,
        refund_lines.event_at,
        refund_lines.channel,
        refund_lines.store_id,
        refund_lines.currency_code,
        refund_lines.customer_id,
        refund_lines.sku,
        refund_lines.quantity,
        refund_lines.unit_price,
        {% for amount in amounts if amount != 'refund_amount' -%}
            refund_lines.{{ amount }},
        {% endfor -%}
        refund_lines.campaign_id,
        refund_lines.reported_order_total,
        refund_lines.refunded_line_event_id,
        refund_lines.refund_amount,
        refund_lines.refund_reason,
        refund_lines.is_restocked,
        refund_lines.source_file,
        refund_lines.source_row_number,
        refund_lines.dlt_load_id,
        refund_lines.refunded_line_event_id is null as is_order_level_refund
    from refund_lines
    where refund_lines.line_event_id not in (select order_level.line_event_id from order_level)
)

select * from parts
union all
select * from as_delivered
