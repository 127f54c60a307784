-- 9. Per key of each SCD2 dimension, validity windows neither overlap nor leave gaps, none is
-- empty, and exactly one version is current; and no fact row joined two versions (the fact has
-- as many rows as the lines it is built from).
{% set dimensions = [('dim_product', 'sku'), ('dim_customer', 'customer_id')] %}
with windows as (
    {% for dimension, key in dimensions -%}
        select
            '{{ dimension }}' as dimension,
            {{ key }} as natural_key,
            valid_from,
            valid_to,
            is_current,
            lead(valid_from) over (partition by {{ key }} order by valid_from, valid_to) as next_valid_from
        from {{ ref(dimension) }}
        where {{ key }} <> 'unknown'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

currents as (
    select
        dimension,
        natural_key,
        sum(case when is_current then 1 else 0 end) as current_versions
    from windows
    group by dimension, natural_key
),

fan_out as (
    select
        (select count(*) from {{ ref('int_sale_lines_costed') }})
        + (select count(*) from {{ ref('int_refund_lines_linked') }}) as expected,
        (select count(*) from {{ ref('fct_transactions') }}) as actual
)

select
    {{ recon_columns('scd2_history', "'version'",
        "dimension || ' ' || natural_key || ' from ' || cast(valid_from as varchar(32))",
        'null', 'null', 'null',
        "case when next_valid_from < valid_to then 'overlaps the next version'
            else 'leaves a gap before the next version' end",
        'true') }}
from windows
where next_valid_from is not null and next_valid_from <> valid_to
union all
select
    {{ recon_columns('scd2_history', "'version'",
        "dimension || ' ' || natural_key || ' from ' || cast(valid_from as varchar(32))",
        'null', 'null', 'null', "'empty or inverted validity window'", 'true') }}
from windows
where valid_from >= valid_to
union all
select
    {{ recon_columns('scd2_history', "'key'", "dimension || ' ' || natural_key", 'null', '1', 'current_versions',
        "'versions marked current'", 'true') }}
from currents
where current_versions <> 1
union all
select
    {{ recon_columns('scd2_history', "'fact'", "'fct_transactions'", 'null', 'expected', 'actual',
        "'fact rows vs lines: a line that joined two dimension versions counts twice'", 'true') }}
from fan_out
where actual > expected
