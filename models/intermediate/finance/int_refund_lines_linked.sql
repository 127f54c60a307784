-- Each refund line (an order-level refund already split into one part per sale line) with the
-- sale line it refunds: the sale's date and the unit cost the sale carried, which a restocked
-- return gives back (COGS rule). The refund keeps its own date. Incremental (decision log §11):
-- a run links only the refunds int_transaction_lines_invalidated lists.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
with refund_lines as (
    select
        *,
        cast(event_at as date) as event_date
    from {{ ref('int_refund_lines_allocated') }}
    {%- if is_incremental() %}
        where {{ listed_rows(ref('int_refund_lines_allocated'), 'delivered_line_event_id',
            'int_transaction_lines_invalidated') }}
    {%- endif %}
),

sale_lines as (
    select * from {{ ref('int_sale_lines_costed') }}
)

select
    refund_lines.*,
    sale_lines.line_event_id is not null as has_sale_line,
    sale_lines.event_at as sale_event_at,
    sale_lines.quantity as sale_quantity,
    sale_lines.unit_cost_usd as sale_unit_cost_usd,
    sale_lines.has_unit_cost as sale_has_unit_cost
from refund_lines
left join sale_lines
    on refund_lines.refunded_line_event_id = sale_lines.line_event_id
