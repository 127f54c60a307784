-- Every reconciliation exception in one place, for a finance user to investigate without
-- reading SQL: which invariant, which order, line, file or key, expected and actual values and
-- the difference. Each invariant is its own model (recon_<invariant>); this mart is their plain
-- union, in the order of the README table. Rows within the tolerance and warnings are listed
-- with is_failure = false; the reconciliation_* tests on this model fail the build on the
-- others. Grain: one row per exception.
with order_arithmetic as (
    select * from {{ ref('recon_order_arithmetic') }}
),

completeness as (
    select * from {{ ref('recon_completeness') }}
),

control_totals as (
    select * from {{ ref('recon_control_totals') }}
),

marketing_spend as (
    select * from {{ ref('recon_marketing_spend') }}
),

margin_identities as (
    select * from {{ ref('recon_margin_identities') }}
),

dimension_members as (
    select * from {{ ref('recon_dimension_members') }}
),

cogs_coverage as (
    select * from {{ ref('recon_cogs_coverage') }}
),

refunds as (
    select * from {{ ref('recon_refunds') }}
),

scd2_history as (
    select * from {{ ref('recon_scd2_history') }}
),

currency as (
    select * from {{ ref('recon_currency') }}
),

calendar_coverage as (
    select * from {{ ref('recon_calendar_coverage') }}
),

account_groups as (
    select * from {{ ref('recon_account_groups') }}
),

plausibility as (
    select * from {{ ref('recon_plausibility') }}
),

master_data as (
    select * from {{ ref('recon_master_data') }}
),

quarantine as (
    select * from {{ ref('recon_quarantine') }}
),

exceptions as (
    select * from order_arithmetic
    union all
    select * from completeness
    union all
    select * from control_totals
    union all
    select * from marketing_spend
    union all
    select * from margin_identities
    union all
    select * from dimension_members
    union all
    select * from cogs_coverage
    union all
    select * from refunds
    union all
    select * from scd2_history
    union all
    select * from currency
    union all
    select * from calendar_coverage
    union all
    select * from account_groups
    union all
    select * from plausibility
    union all
    select * from master_data
    union all
    select * from quarantine
)

select
    exception_id,
    invariant,
    object_type,
    object_id,
    currency_code,
    expected_value,
    actual_value,
    difference,
    detail,
    is_failure
from exceptions
