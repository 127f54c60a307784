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

{#- The counts usd_total_counts names, written once: per fact line (fct_transactions), whether it
    is a sale or refund line, and one of that kind without a USD amount (net_revenue_usd null, as
    margin_coverage's lines_without_usd). A mart sums each into the column of the same name. -#}
{% macro line_kind_counts(kinds=('sale', 'refund')) -%}
    {%- set counts = {} -%}
    {%- for kind in kinds -%}
        {%- do counts.update({
            kind ~ '_lines': "case when event_type = '" ~ kind ~ "' then 1 else 0 end",
            kind ~ '_lines_without_usd':
                "case when event_type = '" ~ kind ~ "' and net_revenue_usd is null then 1 else 0 end",
        }) -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}

{#- A mart's USD total `column` of `relation` (a CTE alias holding the sum and its counts) under
    usd_total_of_lines, over the counts usd_total_counts gives it. -#}
{% macro usd_total_of_its_lines(relation, column) -%}
    {%- set lines, lines_without_usd = usd_total_counts()[column] -%}
    {{ usd_total_of_lines(relation ~ '.' ~ column, relation ~ '.' ~ lines, relation ~ '.' ~ lines_without_usd) }}
{%- endmacro %}
