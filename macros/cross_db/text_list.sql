{#- An aggregate: the texts of a group joined with ', ', ordered by `order_by` (Redshift spells
    it listagg). -#}
{% macro text_list(text_expression, order_by) -%}
    {{ return(adapter.dispatch('text_list')(text_expression, order_by)) }}
{%- endmacro %}

{% macro default__text_list(text_expression, order_by) -%}
    string_agg({{ text_expression }}, ', ' order by {{ order_by }})
{%- endmacro %}

{% macro redshift__text_list(text_expression, order_by) -%}
    listagg({{ text_expression }}, ', ') within group (order by {{ order_by }})
{%- endmacro %}
