{#- Contribution margin (decision log §3), the formula's one spelling: gross margin − platform and
    payment fees − shipping cost + shipping charged, and − marketing spend where marketing is
    allocated (only the channel P&L allocates it). Arguments are SQL expressions. -#}
{% macro contribution_margin(gross_margin, platform_fee, shipping_cost, shipping_charged, marketing_spend=none) -%}
    {{ gross_margin }} - {{ platform_fee }} - {{ shipping_cost }} + {{ shipping_charged }}
    {%- if marketing_spend %} - {{ marketing_spend }}{% endif %}
{%- endmacro %}
