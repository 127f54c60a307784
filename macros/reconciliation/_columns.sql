{#- Every reconciliation check returns rows of one shape: a key, which invariant, which object
    (order, line, file, key...), in which currency, what was expected and what was found, the
    difference, a sentence for a finance user, and whether it breaks the build. The key hashes
    the invariant, object, currency and sentence, so one model's rows and the exceptions mart's
    rows are keyed alike. -#}
{% macro recon_columns(invariant, object_type, object_id, currency_code, expected, actual, detail, is_failure) -%}
    {%- set typed = {
        'object_type': 'cast(' ~ object_type ~ ' as varchar(32))',
        'object_id': 'cast(' ~ object_id ~ ' as varchar(512))',
        'currency_code': 'cast(' ~ currency_code ~ ' as varchar(3))',
        'detail': 'cast(' ~ detail ~ ' as varchar(1024))',
    } -%}
    {{ surrogate_key(["'" ~ invariant ~ "'", typed.object_type, typed.object_id, typed.currency_code, typed.detail]) }}
        as exception_id,
    cast('{{ invariant }}' as varchar(64)) as invariant,
    {{ typed.object_type }} as object_type,
    {{ typed.object_id }} as object_id,
    {{ typed.currency_code }} as currency_code,
    cast({{ expected }} as numeric(28, 6)) as expected_value,
    cast({{ actual }} as numeric(28, 6)) as actual_value,
    cast(cast({{ actual }} as numeric(28, 6)) - cast({{ expected }} as numeric(28, 6)) as numeric(28, 6)) as difference,
    {{ typed.detail }} as detail,
    {{ is_failure }} as is_failure
{%- endmacro %}

{#- True when two amounts differ by more than the tolerance, or only one of them exists. -#}
{% macro recon_beyond_tolerance(expected, actual) -%}
    (abs(coalesce({{ actual }}, 0) - coalesce({{ expected }}, 0)) > {{ var('reconciliation_tolerance') }}
        or ({{ actual }} is null and {{ expected }} is not null)
        or ({{ actual }} is not null and {{ expected }} is null))
{%- endmacro %}

{#- Rows where expected and actual differ at all (the exceptions mart shows them all; only
    those beyond the tolerance fail). -#}
{% macro recon_differs(expected, actual) -%}
    (coalesce({{ actual }}, 0) <> coalesce({{ expected }}, 0)
        or ({{ actual }} is null and {{ expected }} is not null)
        or ({{ actual }} is not null and {{ expected }} is null))
{%- endmacro %}

{#- A row's columns as one null-safe text, to compare two versions of a record column by column
    in one expression (and show both in a detail sentence). -#}
{% macro recon_row_text(alias, columns) -%}
    {% for column in columns -%}
    coalesce(cast({{ alias }}.{{ column }} as varchar(512)), '(null)')
    {%- if not loop.last %} || '|' || {% endif %}
    {%- endfor %}
{%- endmacro %}

{#- True when `value` is more than `factor` times `previous`, or less than `previous` divided by
    it: the one spelling of "moved beyond a band" in the plausibility checks (an FX rate past
    1 + fx_move_band, an inverse past 1 + fx_inversion_min_move, a cost version past
    cost_move_band). -#}
{% macro recon_moved_beyond(value, previous, factor) -%}
    ({{ value }} > {{ previous }} * {{ factor }} or {{ value }} * {{ factor }} < {{ previous }})
{%- endmacro %}

{#- A numeric(28, 8) value as text without its trailing zeros (627.39000000 as 627.39, 100.00000000
    as 100), exact, or 'unknown' for null: the value a plausibility finding asks to be confirmed,
    as a person types it. -#}
{% macro decimal_text(value) -%}
    coalesce(rtrim(rtrim(cast({{ value }} as varchar(40)), '0'), '.'), 'unknown')
{%- endmacro %}

{#- True when a row of seeds/plausibility_confirmations.csv (`confirmation`) confirms a plausibility
    finding (`finding`, with object_type, object_id and confirmable_value): the same object, at
    the value the finding names, exactly. The one spelling of the match (decision log §14). -#}
{% macro plausibility_confirms(finding, confirmation) -%}
    ({{ finding }}.object_type = {{ confirmation }}.object_type
    and {{ finding }}.object_id = {{ confirmation }}.object_id
    and {{ finding }}.confirmable_value = {{ confirmation }}.confirmed_value)
{%- endmacro %}
