{#- The fact lines each cost or rate feed leaves unknown, the one spelling of what Data health's
    feed_freshness.lines_missing counts and recon_margin_identities ties it to (decision log §3,
    "Coverage"): cogs, a line without a cost version (has_unit_cost false); fx_rates, a line
    without a rate for its own currency (has_fx_rate false), or whose cost version's currency has
    none that day (a cost delivered, has_unit_cost true, and no COGS in USD). Expressions over a
    fct_transactions row, by feed. -#}
{% macro feed_lines_missing() -%}
    {{ return({
        'cogs': 'case when not has_unit_cost then 1 else 0 end',
        'fx_rates': 'case when not has_fx_rate or (has_unit_cost and cogs_usd is null) then 1 else 0 end',
    }) }}
{%- endmacro %}
