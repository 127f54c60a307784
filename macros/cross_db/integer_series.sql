{#- Rows numbered 0..n-1 from cross-joined digits: works on DuckDB and on Redshift, where
    generate_series runs only on the leader node and cannot be joined to tables. -#}
{% macro integer_series(n) -%}
    {%- set digits = (n - 1) | string | length -%}
    select
        {% for i in range(digits) -%}
        d{{ i }}.digit * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as n
    from
        {% for i in range(digits) -%}
        (
            {% for d in range(10) -%}
            select {{ d }} as digit{% if not loop.last %} union all {% endif %}
            {%- endfor %}
        ) as d{{ i }}{% if not loop.last %}
        cross join
        {% endif %}
        {%- endfor %}
    where
        {% for i in range(digits) -%}
        d{{ i }}.digit * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
        {%- endfor %} < {{ n }}
{%- endmacro %}
