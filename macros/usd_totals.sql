{#- A USD total over lines, the one spelling of its rule (decision log §5, "Unknown is not zero"):
    the sum of the lines that have a USD amount (the caller's `total`, a sum that skips the
    others), 0 when there are no lines, null (unknown) when there are lines and none of them has
    one. `lines` and `lines_without_usd` count them; the caller shows the second beside the
    total. Arguments are SQL expressions. The readers that add a mart's rows (the month-end pack
    and the dashboards, over days, channels or months) apply the same rule in
    publish/usd_totals.py, to the counts the marts carry beside the totals (transaction_lines,
    spend_rows, attributed_orders, sale_lines, refund_lines). -#}
{% macro usd_total_of_lines(total, lines, lines_without_usd) -%}
    case when {{ lines }} = 0 then 0 when {{ lines }} > {{ lines_without_usd }} then {{ total }} end
{%- endmacro %}
