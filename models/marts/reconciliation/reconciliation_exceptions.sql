-- Every reconciliation exception in one place, for a finance user to investigate without
-- reading SQL: which invariant, which order, line, file or key, expected and actual values and
-- the difference. Rows within the tolerance are listed with is_failure = false; the
-- reconciliation_* tests on this model fail the build on the others. Grain: one row per exception.
with exceptions as (
    {% for invariant in reconciliation_invariants() -%}
        select * from ({{ context['recon_' ~ invariant]() }}) as {{ invariant }}_exceptions
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    {{ surrogate_key(['invariant', 'object_type', 'object_id', 'currency_code', 'detail']) }} as exception_id,
    invariant,
    object_type,
    object_id,
    currency_code,
    expected_value,
    actual_value,
    difference,
    detail,
    is_failure
from exceptions
