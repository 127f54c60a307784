{#- Why a fact line is unresolved, written once (decision log §11): a reason with the predicate
    over fct_transactions' columns that says so, and, for a dimension the line points at, the
    natural key it carries and the feed its members come from. 'cost rate': the line has a cost
    but no USD COGS, because the cost's currency has no rate usable on its day (a line without its
    own rate has none either, and matches 'rate' too). fct_transactions rebuilds every unresolved
    line on the next incremental run; recon_dimension_members lists the lines of each unknown
    member (recon_currency and the COGS coverage have filters of their own). -#}
{% macro unresolved_line_reasons() -%}
    {%- set unknown = unknown_key() -%}
    {{ return([
        {'reason': 'rate', 'predicate': 'not has_fx_rate'},
        {'reason': 'cost', 'predicate': 'not has_unit_cost'},
        {'reason': 'cost rate', 'predicate': 'has_unit_cost and cogs_usd is null'},
        {'reason': 'product', 'predicate': 'product_key = ' ~ unknown, 'natural_key': 'sku',
            'source_feed': 'products'},
        {'reason': 'customer', 'predicate': 'customer_key = ' ~ unknown ~ ' and customer_id is not null',
            'natural_key': 'customer_id', 'source_feed': 'customers'},
        {'reason': 'channel', 'predicate': 'channel_key = ' ~ unknown, 'natural_key': 'channel',
            'source_feed': 'channels seed'},
        {'reason': 'campaign', 'predicate': 'campaign_key = ' ~ unknown, 'natural_key': 'campaign_id',
            'source_feed': 'marketing_spend'},
    ]) }}
{%- endmacro %}

{#- True for a fct_transactions line with any unresolved reason. -#}
{% macro unresolved_line() -%}
    ({% for r in unresolved_line_reasons() %}({{ r.predicate }}){% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}
