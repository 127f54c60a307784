-- 15. Every record the loader quarantined from a current delivery is listed with what it leaves
-- out of the marts, so a rejected cost version, rate, spend row or refund is never invisible to
-- finance. A warning: the record did not land, and the invariants that count rows (control
-- totals, completeness) already tie it out; what to do is to correct and re-deliver the file
-- (README, "Quarantine").
{% set effects = {
    'transactions': 'the line is missing from every mart',
    'marketing_spend': 'the campaign day keeps its earlier restatement, or has no spend',
    'cogs': 'the SKU keeps its earlier cost version from that date, or has no cost',
    'products': 'the product keeps its earlier version',
    'customers': 'the account keeps its earlier version',
    'fx_rates': 'the previous publication serves the day, within var max_fx_staleness_days',
    'control_totals': 'the claim is not checked',
} %}
with latest_delivery as (
    {{ recon_latest_deliveries() }}
),

quarantined as (
    {{ recon_quarantine_of('latest_delivery') }}
),

described as (
    select
        quarantined.*,
        case quarantined.feed
            {% for feed, text in effects.items() -%}
                when '{{ feed }}' then '{{ text }}'
            {% endfor -%}
            else 'the record is missing'
        end as effect
    from quarantined
)

select
    {{ recon_columns('quarantine', "'quarantined row'",
        "file_name || ' row ' || cast(file_row_number as varchar(16))", 'null', 'null', 'null',
        "feed || ': ' || coalesce(column_name, '(row)') || ' ' || reason || '; effect: ' || effect", 'false') }}
from described
