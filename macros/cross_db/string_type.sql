{#- Text of a stated length. dbt's type_string() is TEXT on Redshift, which is varchar(256): a
    cast to it silently cuts longer values. -#}
{% macro string_type(length) -%}varchar({{ length }}){%- endmacro %}
