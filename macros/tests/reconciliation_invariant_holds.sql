{#- One reconciliation invariant holds: the exceptions mart has no row of it that is beyond the
    tolerance (is_failure). The test reads only the mart, so a failing invariant fails the build
    without skipping any mart; the rows it returns are the ones to investigate. -#}
{% test reconciliation_invariant_holds(model, invariant) %}
    select invariant, object_type, object_id, currency_code, expected_value, actual_value, difference, detail
    from {{ model }}
    where invariant = '{{ invariant }}' and is_failure
{% endtest %}
