{#- numerator / denominator, rounded half away from zero to `scale` decimals, exactly, as
    numeric(38, scale); null when the denominator is zero. Redshift (and PostgreSQL) divide
    numerics exactly; DuckDB divides decimals as doubles (573.93 / 2 = 286.96499999...), so on
    DuckDB the quotient is taken in 128-bit integers of 10^-8 units. Operands have at most 8
    decimals and 20 integer digits. -#}
{% macro divide(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('divide')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__divide(numerator, denominator, scale) -%}
    cast(
        case when {{ denominator }} = 0 then null
        else round(cast({{ numerator }} as numeric(28, 8)) / {{ denominator }}, {{ scale }})
        end
        as numeric(38, {{ scale }})
    )
{%- endmacro %}

{% macro duckdb__divide(numerator, denominator, scale) -%}
    {%- set n = 'cast(cast(' ~ numerator ~ ' as decimal(28, 8)) * 100000000 as hugeint)' -%}
    {%- set d = 'cast(cast(' ~ denominator ~ ' as decimal(28, 8)) * 100000000 as hugeint)' -%}
    cast(
        case when {{ d }} = 0 then null
        else
            (case when ({{ n }} < 0) <> ({{ d }} < 0) then -1 else 1 end)
            * ((2 * abs({{ n }}) * {{ 10 ** scale }} + abs({{ d }})) // (2 * abs({{ d }})))
            * cast('{{ '%.*f' % (scale, 10 ** -scale) }}' as decimal(38, {{ scale }}))
        end
        as decimal(38, {{ scale }})
    )
{%- endmacro %}

{#- numerator // denominator for non-negative integers (whole cents, units): the quotient
    rounded down, as an integer. DuckDB's `/` on integers returns a double and Redshift's
    truncates; here Redshift divides an exact multiple as a numeric, so no reader (nor the
    Redshift check) has to know how its integer division rounds. -#}
{% macro floor_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('floor_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__floor_divide(numerator, denominator) -%}
    cast(
        cast(({{ numerator }}) - mod({{ numerator }}, {{ denominator }}) as numeric(38, 0)) / ({{ denominator }})
        as bigint
    )
{%- endmacro %}

{% macro duckdb__floor_divide(numerator, denominator) -%}
    (({{ numerator }}) // ({{ denominator }}))
{%- endmacro %}
