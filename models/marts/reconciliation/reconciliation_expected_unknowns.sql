-- The expected unknown-member rows, counted: anonymous sale lines (on the unknown customer) and
-- sale lines no campaign is credited for (on the 'none' campaign). They are normal, so they are
-- counts here rather than rows of reconciliation_exceptions, whose columns are for exceptions.
-- Reads the fact only, so a failing reconciliation test never skips it. Grain: one row per kind.
-- lines is read twice, a few columns each: inlined, not stored.
with lines as {{ not_materialized() }} (
    select * from {{ ref('fct_transactions') }}
),

counts as (
    select
        'anonymous sale lines on the unknown customer' as unknown_kind,
        count(*) as row_count
    from lines
    where lines.customer_id is null
    union all
    select
        'sale lines with no campaign' as unknown_kind,
        count(*) as row_count
    from lines
    where lines.campaign_key = {{ no_campaign_key() }} and lines.event_type = 'sale'
)

select
    cast(unknown_kind as varchar(128)) as unknown_kind,
    cast(row_count as bigint) as row_count
from counts
