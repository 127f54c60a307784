-- Every reconciliation exception, failures first.
select
    invariant,
    is_failure,
    object_type,
    object_id,
    currency_code,
    expected_value,
    actual_value,
    difference,
    detail
from {{ ref('reconciliation_exceptions') }}
order by is_failure desc, invariant, object_id
