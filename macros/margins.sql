{#- Contribution margin before marketing (decision log §3), the formula's one spelling: gross
    margin − platform and payment fees − shipping cost + shipping charged. fct_transactions applies
    it per line, so a line without a cost has none; every mart above it sums the lines'
    contribution (the channel P&L too, then subtracts the marketing spend it allocates).
    Arguments are SQL expressions. -#}
{% macro contribution_margin(gross_margin, platform_fee, shipping_cost, shipping_charged) -%}
    {{ gross_margin }} - {{ platform_fee }} - {{ shipping_cost }} + {{ shipping_charged }}
{%- endmacro %}

{#- What a margin covers (decision log §3, "Coverage"), written once: per fact line, the net
    revenue that has a known cost (null when its cost is unknown), whether it is a line without
    a cost, and whether it is a line without a USD amount. A mart sums each into the column of
    the same name; recon_margin_identities ties those columns to the fact with the same
    expressions. -#}
{% macro margin_coverage() -%}
    {{ return({
        'net_revenue_with_cost_usd': 'case when cogs_usd is not null then net_revenue_usd end',
        'lines_without_cost': 'case when cogs_usd is null and net_revenue_usd is not null then 1 else 0 end',
        'lines_without_usd': 'case when net_revenue_usd is null then 1 else 0 end',
    }) }}
{%- endmacro %}
