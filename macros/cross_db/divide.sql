{#- numerator / denominator, rounded half away from zero to `scale` decimals, exactly, as
    numeric(38, scale); null when the denominator is zero. Redshift (and PostgreSQL) divide
    numerics exactly; DuckDB divides decimals as doubles (573.93 / 2 = 286.96499999...), so on
    DuckDB the quotient is taken in integers of 10^-8 units. Operands have at most 8 decimals and
    20 integer digits. -#}
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

{#- On DuckDB, with n and d the operands in integers of 10^-8 units, the quotient is
    q = floor((2|n| 10^scale + |d|) / 2|d|), signed. DuckDB's 128-bit division is slow (24 s for
    10M quotients, half of int_transaction_lines_converted), so where the operands are under 10^7
    and the quotient under 2^49 units (every line amount and rate), q is estimated in doubles
    (integers that small convert exactly, and the estimate is off by at most one) and corrected
    to the exact floor by two 128-bit products. Larger operands take the 128-bit division. Both
    give the same, exact result (test_divide_is_exact_and_rounds_half_away_from_zero tries both). -#}
{% macro duckdb__divide(numerator, denominator, scale) -%}
    {%- set n_units = 'cast(' ~ numerator ~ ' as decimal(28, 8))' -%}
    {%- set d_units = 'cast(' ~ denominator ~ ' as decimal(28, 8))' -%}
    {%- set sign = '(case when (' ~ n_units ~ ' < 0) <> (' ~ d_units ~ ' < 0) then -1 else 1 end)' -%}
    {%- set unit = "cast('" ~ '%.*f' % (scale, 10 ** -scale) ~ "' as decimal(38, " ~ scale ~ "))" -%}
    {#- exact: 128-bit integers -#}
    {%- set n = 'cast(' ~ n_units ~ ' * 100000000 as hugeint)' -%}
    {%- set d = 'cast(' ~ d_units ~ ' * 100000000 as hugeint)' -%}
    {%- set exact_q = '((2 * abs(' ~ n ~ ') * ' ~ 10 ** scale ~ ' + abs(' ~ d ~ ')) // (2 * abs(' ~ d ~ ')))' -%}
    {#- fast: the same integers through doubles, exact below 2^53 -#}
    {%- set small_n = 'cast(abs(round(cast(' ~ n_units ~ ' as double) * 100000000)) as hugeint)' -%}
    {%- set small_d = 'cast(abs(round(cast(' ~ d_units ~ ' as double) * 100000000)) as hugeint)' -%}
    {%- set dividend = '(2 * ' ~ small_n ~ ' * ' ~ 10 ** scale ~ ' + ' ~ small_d ~ ')' -%}
    {%- set divisor = '(2 * ' ~ small_d ~ ')' -%}
    {%- set estimate = 'cast(floor(cast(' ~ dividend ~ ' as double) / cast(' ~ divisor ~ ' as double)) as hugeint)' -%}
    {%- set fast_q = '(' ~ estimate ~ ' - case when ' ~ estimate ~ ' * ' ~ divisor ~ ' > ' ~ dividend ~ ' then 1 else 0 end'
        ~ ' + case when (' ~ estimate ~ ' + 1) * ' ~ divisor ~ ' <= ' ~ dividend ~ ' then 1 else 0 end)' -%}
    cast(
        case
            when {{ d_units }} = 0 then null
            when abs({{ n_units }}) < 10000000 and abs({{ d_units }}) < 10000000
                and cast(abs({{ n_units }}) as double) * {{ 10 ** scale }}
                    < 562949953421312 * cast(abs({{ d_units }}) as double)
                then {{ sign }} * {{ fast_q }} * {{ unit }}
            else {{ sign }} * {{ exact_q }} * {{ unit }}
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
