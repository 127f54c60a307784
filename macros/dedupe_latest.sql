{#- The latest row per key from a relation holding several versions of it: the staging
    layer's one piece of logic beyond renames and casts. -#}
{% macro dedupe_latest(relation, partition_by, order_by) -%}
    select *
    from (
        select
            versions.*,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where version_rank = 1
{%- endmacro %}
