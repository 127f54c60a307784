{#- 7. Every sale line has a unit cost from the as-of rule; a line without one is an exception. -#}
{% macro recon_cogs_coverage() -%}
    select
        {{ recon_columns('cogs_coverage', "'sale line'", 'line_event_id', 'currency_code', 'null', 'null',
            "'no cost version for ' || sku || ' in force on ' || cast(event_date as varchar(10))", 'true') }}
    from {{ ref('fct_transactions') }}
    where event_type = 'sale' and not has_unit_cost
{%- endmacro %}
