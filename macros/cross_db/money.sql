{#- Money types, written once (decision log §5). Amounts in their own currency have two
    decimals; converted amounts keep six so that nothing is rounded before it is summed.
    converted_amount_type: one line's, one order's or one spend row's amount in the reporting
    currency, up to 999,999,999,999.999999 in 64-bit integers; converted_money_type: a sum over
    many of them (the marts), in 128-bit integers. A value past its type fails the build (a cast
    error), never truncates. -#}
{% macro money_type() -%}numeric(18, 2){%- endmacro %}
{% macro converted_amount_type() -%}numeric(18, 6){%- endmacro %}
{% macro converted_money_type() -%}numeric(28, 6){%- endmacro %}
{% macro rate_type() -%}numeric(18, 8){%- endmacro %}

{% macro to_money(expression) -%}
    cast({{ expression }} as {{ money_type() }})
{%- endmacro %}

{#- Presentation: round a converted sum to cents, only at the end. -#}
{% macro present_money(expression) -%}
    cast(round({{ expression }}, 2) as {{ money_type() }})
{%- endmacro %}

{#- A ratio that is null, not an error, when the denominator is zero; exact (see divide). -#}
{% macro safe_divide(numerator, denominator, scale=4) -%}
    cast({{ divide(numerator, denominator, scale) }} as numeric(18, {{ scale }}))
{%- endmacro %}

{#- An amount in its own currency converted to the reporting currency, kept unrounded. -#}
{% macro to_reporting(amount, rate) -%}
    cast({{ amount }} * {{ rate }} as {{ converted_amount_type() }})
{%- endmacro %}
