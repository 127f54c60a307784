{#- A master's history as an SCD2 dimension (decision log §7): the snapshot's versions, and the
    versions delivered that it never held (a later version of the key arrived before a build's
    snapshot saw them: a history loaded in one go, loads without a build between), from the
    staged records (delivered: one row per record delivered). version_from is a version's
    updated_at (the snapshot's dbt_valid_from). A version holds until the next one's version_from
    (valid_to, exclusive); a version the snapshot holds, followed by another it holds or by none,
    holds until the snapshot's dbt_valid_to, so a snapshot edited by hand shows as an overlap or a
    gap (recon_scd2_history). The version without an end is current. The first version of a key is
    taken to hold from the beginning of time: facts older than it join to it rather than to
    nothing. -#}
{% macro scd2_versions(snapshot, delivered, natural_key, attributes) -%}
    {%- set in_key_order = 'over (partition by unioned.' ~ natural_key ~ ' order by unioned.version_from)' %}
    select
        versions.*,
        case
            when versions.version_rank = 1 then cast('1900-01-01' as timestamp)
            else versions.version_from
        end as valid_from,
        coalesce(versions.version_to, cast('9999-12-31' as timestamp)) as valid_to,
        versions.version_to is null as is_current
    from (
        select
            unioned.*,
            row_number() {{ in_key_order }} as version_rank,
            case
                when unioned.is_held and coalesce(lead(unioned.is_held) {{ in_key_order }}, true)
                    then unioned.held_valid_to
                else lead(unioned.version_from) {{ in_key_order }}
            end as version_to
        from (
            select
                held.{{ natural_key }},
                {%- for attribute in attributes %}
                    held.{{ attribute }},
                {%- endfor %}
                held.dbt_valid_from as version_from,
                held.dbt_valid_to as held_valid_to,
                true as is_held
            from {{ snapshot }} as held
            union all
            select
                unheld.{{ natural_key }},
                {%- for attribute in attributes %}
                    unheld.{{ attribute }},
                {%- endfor %}
                unheld.updated_at as version_from,
                cast(null as timestamp) as held_valid_to,
                false as is_held
            from ({{ versions_not_held(delivered, snapshot, natural_key) }}) as unheld
        ) as unioned
    ) as versions
{%- endmacro %}


{#- The versions of a master delivered that its snapshot does not hold (decision log §7): from its
    staged records (delivered: one row per record, with natural_key, updated_at, source_file and
    dlt_load_id), one row per key and updated_at the snapshot has no version of (by dbt_valid_from,
    the dimension key's timestamp), as its latest delivery carried it. A version first
    delivered after a file holding a later version of its key came in behind it and is not
    listed: no snapshot could take it, recon_master_data (a) fails it while it is the key's latest
    delivery, and its change is not used (§15). Of a key's versions in one file, none is behind
    another. recon_master_data (d) ranks raw on its own to check the dimensions hold these. -#}
{% macro versions_not_held(delivered, snapshot, natural_key) -%}
    {%- set records -%}
        (
            select candidates.*
            from {{ delivered }} as candidates
            left join {{ snapshot }} as held
                on candidates.{{ natural_key }} = held.{{ natural_key }} and candidates.updated_at = held.dbt_valid_from
            where held.{{ natural_key }} is null
        )
    {%- endset %}
    select versions.*
    from (
        select
            version_records.*,
            row_number() over (
                partition by version_records.{{ natural_key }}, version_records.updated_at
                order by {{ delivery_order('version_records.dlt_load_id', 'version_records.source_file') }}
            ) as delivery_rank
        from {{ records }} as version_records
    ) as versions
    left join (
        -- the versions that came in behind: a file delivered before the version's first delivery
        -- (load, then file) held a later version of its key
        select distinct
            firsts.{{ natural_key }},
            firsts.updated_at
        from (
            select
                {{ natural_key }},
                updated_at,
                min(dlt_load_id) as first_dlt_load_id
            from {{ records }} as version_records
            group by {{ natural_key }}, updated_at
        ) as first_loads
        inner join (
            select
                {{ natural_key }},
                updated_at,
                dlt_load_id,
                min(source_file) as first_source_file
            from {{ records }} as version_records
            group by {{ natural_key }}, updated_at, dlt_load_id
        ) as firsts
            on
                first_loads.{{ natural_key }} = firsts.{{ natural_key }}
                and first_loads.updated_at = firsts.updated_at
                and first_loads.first_dlt_load_id = firsts.dlt_load_id
        inner join (
            select
                {{ natural_key }},
                dlt_load_id,
                source_file,
                max(updated_at) as latest_updated_at
            from {{ delivered }}
            group by {{ natural_key }}, dlt_load_id, source_file
        ) as earlier
            on
                firsts.{{ natural_key }} = earlier.{{ natural_key }}
                and firsts.updated_at < earlier.latest_updated_at
                and (
                    firsts.dlt_load_id > earlier.dlt_load_id
                    or (firsts.dlt_load_id = earlier.dlt_load_id and firsts.first_source_file > earlier.source_file)
                )
    ) as behind
        on versions.{{ natural_key }} = behind.{{ natural_key }} and versions.updated_at = behind.updated_at
    where versions.delivery_rank = 1 and behind.{{ natural_key }} is null
{%- endmacro %}
