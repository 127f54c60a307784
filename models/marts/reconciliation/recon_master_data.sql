-- 14. Master data (products, customers) reaches the history as delivered (decision log §15):
--   a. the version of a key delivered last is the current one: a later delivery whose
--      updated_at goes back before the current version's, and that is not a re-send of a
--      version delivered before, fails (the snapshots' input orders versions by updated_at, so it would
--      otherwise be dropped without a word); a file carrying several versions of a key (two
--      changes in one extract) delivers its latest;
--   b. the current snapshot version equals the latest delivered (int_*_deduplicated) per key: a
--      record corrected and re-delivered without a new updated_at never reaches the snapshot
--      (timestamp strategy), and fails;
--   c. natural keys that differ only by letter case or surrounding spaces are one member
--      delivered twice, and fail;
--   d. every version delivered is in the dimension: the snapshot's versions, and those it never held
--      because a later version of its key arrived before a build's snapshot saw them (a history
--      loaded in one go, loads without a build between), which the dimension takes from the
--      staged records (decision log §7). A version that came in behind a later one is (a)'s, and
--      not expected. Ranked from raw here, on its own, not with the dimensions' macro.
{#- (master, latest version per key, snapshot, key, the attributes both carry, dimension, its
    key) -#}
{% set masters = [
    ('products', 'int_products_deduplicated', 'products_snapshot', 'sku',
        ['product_name', 'category', 'subcategory', 'brand', 'list_price_usd', 'product_status'],
        'dim_product', 'product_key'),
    ('customers', 'int_customers_deduplicated', 'customers_snapshot', 'customer_id',
        ['customer_name', 'email', 'country_code', 'region', 'customer_segment', 'loyalty_tier',
        'parent_customer_id'], 'dim_customer', 'customer_key'),
] %}
with
{% for master, staging, snapshot, key, attributes, dimension, dimension_key in masters %}
    {{ master }}_delivered as (
        select
            {{ key }} as natural_key,
            {{ to_utc_timestamp('updated_at') }} as updated_at,
            _source_file as source_file,
            _dlt_load_id as dlt_load_id,
            -- of a key's versions in one file, the latest is the one the file delivers last
            row_number() over (
                partition by {{ key }}
                order by {{ delivery_order() }}, {{ to_utc_timestamp('updated_at') }} desc nulls last
            ) as delivery_rank,
            count(*) over (partition by {{ key }}, updated_at) as deliveries_of_version
        from {{ source('raw', master) }}
    ),

    {{ master }}_backwards as (
        select
            '{{ master }}' as master,
            delivered.natural_key,
            staged.updated_at as current_updated_at,
            delivered.updated_at as delivered_updated_at,
            delivered.source_file
        from {{ master }}_delivered as delivered
        inner join {{ ref(staging) }} as staged on delivered.natural_key = staged.{{ key }}
        where
            delivered.delivery_rank = 1
            and delivered.updated_at < staged.updated_at
            and delivered.deliveries_of_version = 1
    ),

    {{ master }}_unsnapshotted as (
        select
            '{{ master }}' as master,
            staged.{{ key }} as natural_key,
            staged.updated_at,
            {{ recon_row_text('staged', attributes) }} as staged_attributes,
            {{ recon_row_text('snapshotted', attributes) }} as snapshot_attributes
        from {{ ref(staging) }} as staged
        inner join {{ ref(snapshot) }} as snapshotted
            on staged.{{ key }} = snapshotted.{{ key }} and snapshotted.dbt_valid_to is null
        where {{ recon_row_text('staged', attributes) }} <> {{ recon_row_text('snapshotted', attributes) }}
    ),

    {{ master }}_file_latest as (
        select
            natural_key,
            dlt_load_id,
            source_file,
            max(updated_at) as latest_updated_at
        from {{ master }}_delivered
        group by natural_key, dlt_load_id, source_file
    ),

    -- each version at its first delivery (load, then file)
    {{ master }}_versions_delivered as (
        select
            natural_key,
            updated_at,
            dlt_load_id,
            source_file
        from (
            select
                natural_key,
                updated_at,
                dlt_load_id,
                source_file,
                row_number() over (
                    partition by natural_key, updated_at
                    order by dlt_load_id asc nulls last, source_file asc nulls last
                ) as first_rank
            from {{ master }}_delivered
        ) as ranked
        where first_rank = 1
    ),

    -- a version first delivered after a file holding a later version of its key came in behind
    -- it: (a) fails it while it is the key's latest delivery, and it stays behind after a re-send
    -- with a later updated_at; the history does not take it (ranked here from raw, on its own:
    -- not the dimensions' macro versions_not_held, whose mistakes it would share)
    {{ master }}_versions_behind as (
        select distinct
            versions.natural_key,
            versions.updated_at
        from {{ master }}_versions_delivered as versions
        inner join {{ master }}_file_latest as earlier
            on
                versions.natural_key = earlier.natural_key
                and versions.updated_at < earlier.latest_updated_at
                and (
                    versions.dlt_load_id > earlier.dlt_load_id
                    or (versions.dlt_load_id = earlier.dlt_load_id and versions.source_file > earlier.source_file)
                )
    ),

    {{ master }}_versions_checked as (
        select
            delivered.natural_key,
            dimension.{{ dimension_key }} is null as is_missed
        from {{ master }}_versions_delivered as delivered
        left join {{ ref(dimension) }} as dimension
            on {{ surrogate_key(['delivered.natural_key', 'delivered.updated_at']) }} = dimension.{{ dimension_key }}
        left join {{ master }}_versions_behind as behind
            on delivered.natural_key = behind.natural_key and delivered.updated_at = behind.updated_at
        where behind.natural_key is null
    ),

    {{ master }}_versions_missed as (
        select
            '{{ master }}' as master,
            count(*) as versions_delivered,
            count(case when is_missed then 1 end) as versions_missed,
            count(distinct case when is_missed then natural_key end) as keys_missed
        from {{ master }}_versions_checked
    ),

    {{ master }}_case_twins as (
        select
            '{{ master }}' as master,
            lower(trim({{ key }})) as folded_key,
            min({{ key }}) as first_key,
            max({{ key }}) as last_key,
            count(*) as spellings
        from {{ ref(staging) }}
        group by lower(trim({{ key }}))
        having count(*) > 1
    ),

{% endfor -%}
backwards as (
    {% for master in masters -%}
        select * from {{ master[0] }}_backwards
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

unsnapshotted as (
    {% for master in masters -%}
        select * from {{ master[0] }}_unsnapshotted
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

versions_missed as (
    {% for master in masters -%}
        select * from {{ master[0] }}_versions_missed
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

case_twins as (
    {% for master in masters -%}
        select * from {{ master[0] }}_case_twins
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select
    {{ recon_columns('master_data', "'version'", "master || ' ' || natural_key", 'null', 'null', 'null',
        "'delivered last (' || source_file || ') with updated_at ' || cast(delivered_updated_at as varchar(32))
            || ', before the current version''s ' || cast(current_updated_at as varchar(32))
            || ': the change is not used; re-send it with a later updated_at, or confirm the older version'", 'true') }}
from backwards
union all
select
    {{ recon_columns('master_data', "'version'", "master || ' ' || natural_key", 'null', 'null', 'null',
        "'the latest delivery differs from the current history version with the same updated_at '
            || cast(updated_at as varchar(32)) || ' (corrected without a new updated_at): history has '
            || snapshot_attributes || ', delivered ' || staged_attributes", 'true') }}
from unsnapshotted
union all
select
    {{ recon_columns('master_data', "'key'", "master || ' ' || folded_key", 'null', '1', 'spellings',
        "'one key delivered in ' || cast(spellings as varchar(8)) || ' spellings (' || first_key || ', ' || last_key
            || '): letter case and spaces do not make another member; correct the source'", 'true') }}
from case_twins
union all
select
    {{ recon_columns('master_data', "'history'", 'master', 'null', 'versions_delivered',
        'versions_delivered - versions_missed',
        "cast(versions_missed as varchar(16)) || ' version(s) of ' || cast(keys_missed as varchar(16)) || ' '
            || master || ' were delivered and are not in the history (dim_product, dim_customer): facts in '
            || 'their time read another version''s attributes'", 'true') }}
from versions_missed
where versions_missed > 0
