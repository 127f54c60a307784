{#- A hashed surrogate key: md5 over the text of the columns, nulls spelled out, so the same
    natural key gives the same surrogate on every run and on every warehouse. -#}
{% macro surrogate_key(columns) -%}
    md5(
    {%- for column in columns %}
        coalesce(cast({{ column }} as {{ string_type(1024) }}), '_null_'){% if not loop.last %} || '|' ||{% endif %}
    {%- endfor %}
    )
{%- endmacro %}
