{#- A text column without spaces around its values: a key typed by hand (a seed's row) with a
    space after it matches nothing on DuckDB and matches on Redshift, which ignores trailing
    blanks; the test names the row instead. Returns the values with spaces around them. -#}
{% test trimmed(model, column_name) %}
    select {{ column_name }}
    from {{ model }}
    where length({{ column_name }}) <> length(trim({{ column_name }}))
{% endtest %}
