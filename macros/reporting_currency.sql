{#- The reporting currency, written once: USD (decision log §5). The fx_rates feed publishes USD
    per unit of each currency and every converted column is named _usd, so no other reporting
    currency is possible: a `reporting_currency` var set to anything else stops the build before
    it starts (it was a var; set to EUR, the EUR amounts went into the _usd columns at 1 and the
    USD ones had no rate). -#}
{% macro reporting_currency() -%}
    {%- set chosen = var('reporting_currency', 'USD') -%}
    {%- if chosen != 'USD' -%}
        {{ exceptions.raise_compiler_error(
            "reporting_currency is " ~ chosen ~ ", and this warehouse reports in USD only: the fx_rates feed "
            ~ "publishes USD per unit of each currency and every converted column is named _usd "
            ~ "(docs/decisions.md §5): remove the var") }}
    {%- endif -%}
    {{ return('USD') }}
{%- endmacro %}
