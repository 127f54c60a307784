-- The reconciliation at a glance: per invariant, how many exceptions fail the build and how
-- many are listed without failing (differences within the tolerance, warnings, information);
-- and the expected unknown-member rows (anonymous sales, sales no campaign is credited for),
-- which are normal and so are counts here rather than exceptions. Grain: one row per invariant
-- and measure.
with exceptions as (
    select * from {{ ref('reconciliation_exceptions') }}
),

lines as (
    select * from {{ ref('fct_transactions') }}
),

exception_counts as (
    select
        invariant,
        'exceptions failing the build' as measure,
        sum(case when is_failure then 1 else 0 end) as row_count
    from exceptions
    group by invariant
    union all
    select
        invariant,
        'exceptions listed, not failing',
        sum(case when is_failure then 0 else 1 end)
    from exceptions
    group by invariant
),

expected_unknowns as (
    select
        'dimension_members' as invariant,
        'anonymous sale lines on the unknown customer' as measure,
        count(*) as row_count
    from lines
    where customer_id is null
    union all
    select
        'dimension_members',
        'sale lines with no campaign',
        count(*)
    from lines
    where campaign_key = {{ no_campaign_key() }} and event_type = 'sale'
),

counts as (
    select * from exception_counts
    union all
    select * from expected_unknowns
)

select
    cast(invariant as varchar(64)) as invariant,
    cast(measure as varchar(128)) as measure,
    cast(row_count as bigint) as row_count
from counts
