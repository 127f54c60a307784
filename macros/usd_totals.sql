{#- A USD total over lines, the one spelling of its rule (decision log §5, "Unknown is not zero"):
    the sum of the lines that have a USD amount (the caller's `total`, a sum that skips the
    others), 0 when there are no lines, null (unknown) when there are lines and none of them has
    one. `lines` and `lines_without_usd` count them; the caller shows the second beside the
    total. Arguments are SQL expressions. The readers that add a mart's rows (the month-end pack
    and the dashboards, over days, channels or months) apply the same rule in
    publish/usd_totals.py, to the counts the marts carry beside the totals (transaction_lines,
    spend_rows, attributed_orders, sale_lines, refund_lines; usd_total_counts says which each
    total sums). The semantic layer's gross_sales, discounts, net_sales and refunds metrics write it in
    MetricFlow's expr, which takes no macro (_semantic__metrics.yml); test_semantic_layer.py holds
    them to it. -#}
{% macro usd_total_of_lines(total, lines, lines_without_usd) -%}
    case when {{ lines }} = 0 then 0 when {{ lines }} > {{ lines_without_usd }} then {{ total }} end
{%- endmacro %}

{#- Which lines each USD total of lines sums, as the two counts a mart carries for them (lines,
    lines without a USD amount), for usd_total_of_lines: gross sales and discounts are the sale
    lines', refunds the refund lines', the rest both kinds'. So a day or a product's month whose
    refunds all lack a rate has unknown refunds beside known sales, not the 0 its sale lines add
    (decision log §5). pnl_daily_by_channel, product_performance_monthly and customer_360 use it;
    publish/usd_totals.py's PNL_LINE_COUNTS is the same map for the readers that add the P&L's
    rows, and test_publish.py pins it to the P&L's compiled SQL. -#}
{% macro usd_total_counts() -%}
    {%- set sale_lines = ('sale_lines', 'sale_lines_without_usd') -%}
    {%- set refund_lines = ('refund_lines', 'refund_lines_without_usd') -%}
    {%- set all_lines = ('transaction_lines', 'lines_without_usd') -%}
    {{ return({
        'gross_revenue_usd': sale_lines,
        'discount_usd': sale_lines,
        'refunded_revenue_usd': refund_lines,
        'net_revenue_usd': all_lines,
        'platform_fee_usd': all_lines,
        'shipping_charged_usd': all_lines,
        'shipping_cost_usd': all_lines,
    }) }}
{%- endmacro %}
