{#- Versions from a dbt snapshot as an SCD2 dimension: valid_from, valid_to (exclusive) and
    is_current. The first version seen of a key is taken to hold from the beginning of time:
    facts older than the first snapshot run join to it rather than to nothing. -#}
{% macro scd2_versions(snapshot, natural_key) -%}
    select
        snap.*,
        case
            when row_number() over (partition by snap.{{ natural_key }} order by snap.dbt_valid_from) = 1
                then cast('1900-01-01' as timestamp)
            else snap.dbt_valid_from
        end as valid_from,
        coalesce(snap.dbt_valid_to, cast('9999-12-31' as timestamp)) as valid_to,
        snap.dbt_valid_to is null as is_current
    from {{ snapshot }} as snap
{%- endmacro %}
