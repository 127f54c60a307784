-- 8. A refund references a sale line that exists (an order-level refund: an order with sale
-- lines, returning 0 or all of its units), is not dated before it, and carries the
-- customer, SKU, channel, store and currency of that line; and refunds never exceed,
-- cumulatively, the units, goods value, tax or shipping charged on that line (money beyond the
-- tolerance fails).
{% set tolerance = var('reconciliation_tolerance') %}
{#- (what is capped, cumulative refunded column, what the sale line charged) -#}
{% set caps = [
    ('units', 'refunded_units', 'quantity'),
    ('goods', 'refunded_goods', 'net_goods'),
    ('tax', 'refunded_tax', 'line_tax'),
    ('shipping', 'refunded_shipping', 'shipping_charged'),
] %}
{% set attributes = ['customer_id', 'sku', 'channel', 'store_id', 'currency_code'] %}
with refunds as (
    select * from {{ ref('int_refund_lines_linked') }}
),

sales as (
    select
        line_event_id,
        {% for attribute in attributes -%}
            {{ attribute }},
        {% endfor -%}
        quantity,
        quantity * unit_price - line_discount as net_goods,
        line_tax,
        shipping_charged
    from {{ ref('int_transaction_lines_deduplicated') }}
    where event_type = 'sale'
),

cumulative as (
    select
        refunds.refunded_line_event_id,
        max(refunds.currency_code) as currency_code,
        sum(refunds.quantity) as refunded_units,
        sum(refunds.refund_amount) as refunded_goods,
        sum(refunds.line_tax) as refunded_tax,
        sum(refunds.shipping_charged) as refunded_shipping
    from refunds
    where refunds.has_sale_line
    group by refunds.refunded_line_event_id
),

-- each refunded sale line joined to its sale once for every cap (then one row per cap exceeded),
-- and each refund line once for every attribute (then one row per attribute moved): two joins of
-- the 10M sale lines, not one per check
capped_sales as (
    select
        cumulative.refunded_line_event_id,
        cumulative.currency_code,
        {% for what, refunded, charged in caps -%}
            sales.{{ charged }},
            cumulative.{{ refunded }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from cumulative
    inner join sales on cumulative.refunded_line_event_id = sales.line_event_id
    where
        {% for what, refunded, charged in caps -%}
            cumulative.{{ refunded }} > sales.{{ charged }}{% if not loop.last %} or{% endif %}
        {% endfor %}
),

over_caps as (
    {% for what, refunded, charged in caps -%}
        select
            refunded_line_event_id,
            currency_code,
            '{{ what }}' as capped,
            {{ charged }} as charged,
            {{ refunded }} as refunded
        from capped_sales
        where {{ refunded }} > {{ charged }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{# Null-safe: an anonymous sale refunded to an account (or the reverse) is a difference too. -#}
refunds_with_moved_attributes as (
    select
        refunds.line_event_id,
        refunds.currency_code,
        {% for attribute in attributes -%}
            sales.{{ attribute }} as sale_{{ attribute }},
            refunds.{{ attribute }} as refund_{{ attribute }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from refunds
    inner join sales on refunds.refunded_line_event_id = sales.line_event_id
    where
        {% for attribute in attributes -%}
            coalesce(refunds.{{ attribute }}, '(none)') <> coalesce(sales.{{ attribute }}, '(none)')
            {%- if not loop.last %} or{% endif %}
        {% endfor %}
),

moved_attributes as (
    {% for attribute in attributes -%}
        select
            line_event_id,
            currency_code,
            '{{ attribute }}' as attribute_name,
            sale_{{ attribute }} as sale_value,
            refund_{{ attribute }} as refund_value
        from refunds_with_moved_attributes
        where coalesce(refund_{{ attribute }}, '(none)') <> coalesce(sale_{{ attribute }}, '(none)')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    {{ recon_columns('refunds', "'refund line'", 'line_event_id', 'currency_code', 'null', 'refund_amount',
        "case when is_order_level_refund
            then 'order-level refund of order ' || order_id || ' returning ' || cast(quantity as varchar(16))
                || ' units cannot be split over its lines: the order has no sale line, or the units are neither 0 '
                || 'nor all of the order''s'
            else 'refund references sale line ' || refunded_line_event_id || ', which does not exist' end",
        'true') }}
from refunds
where not has_sale_line
union all
select
    {{ recon_columns('refunds', "'refund line'", 'line_event_id', 'currency_code', 'null', 'null',
        "'refund dated ' || cast(event_at as varchar(32)) || ', before its sale at '
            || cast(sale_event_at as varchar(32))", 'true') }}
from refunds
where has_sale_line and event_at < sale_event_at
union all
select
    {{ recon_columns('refunds', "'sale line'", 'refunded_line_event_id', 'currency_code', 'charged', 'refunded',
        "capped || ' refunded in total exceed the ' || capped || ' charged on the sale line'",
        "capped = 'units' or refunded - charged > " ~ tolerance) }}
from over_caps
union all
select
    {{ recon_columns('refunds', "'refund line'", 'line_event_id', 'currency_code', 'null', 'null',
        "'refund carries ' || attribute_name || ' ' || coalesce(refund_value, '(none)') || ', its sale line '
            || coalesce(sale_value, '(none)')", 'true') }}
from moved_attributes
