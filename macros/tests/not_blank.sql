{#- A text column whose values are not blank: a seed's value of only spaces is loaded as spaces,
    not null, so it passes not_null and says nothing (who confirmed a value, or why, typed as
    spaces). Returns the blank values. -#}
{% test not_blank(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where trim({{ column_name }}) = ''
{% endtest %}
