{#- Every reconciliation check returns rows of one shape: which invariant, which object (order,
    line, file, key...), in which currency, what was expected and what was found, the
    difference, a sentence for a finance user, and whether it breaks the build. -#}
{% macro recon_columns(invariant, object_type, object_id, currency_code, expected, actual, detail, is_failure) -%}
    cast('{{ invariant }}' as varchar(64)) as invariant,
    cast({{ object_type }} as varchar(32)) as object_type,
    cast({{ object_id }} as varchar(512)) as object_id,
    cast({{ currency_code }} as varchar(3)) as currency_code,
    cast({{ expected }} as numeric(28, 6)) as expected_value,
    cast({{ actual }} as numeric(28, 6)) as actual_value,
    cast(cast({{ actual }} as numeric(28, 6)) - cast({{ expected }} as numeric(28, 6)) as numeric(28, 6)) as difference,
    cast({{ detail }} as varchar(1024)) as detail,
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

{#- The reconciliation invariants, in the order of the README table. -#}
{% macro reconciliation_invariants() -%}
    {{ return([
        'order_arithmetic', 'completeness', 'control_totals', 'marketing_spend',
        'margin_identities', 'dimension_members', 'cogs_coverage', 'refunds',
        'scd2_history', 'currency', 'calendar_coverage', 'account_groups',
    ]) }}
{%- endmacro %}
