-- 15. Every record the loader quarantined from a current delivery is listed with what it leaves
-- out of the marts, so a rejected cost version, rate, spend row or refund is never invisible to
-- finance. A record of a feed of money (a line, a spend row, a cost version, a rate) fails: its
-- amount is in no total, or an earlier cost or rate stands in for it, and nothing else says so
-- (the invariants that count rows tie it out as quarantined, and the trailers are optional; found
-- by a helper's audit, 2026-12-07: refunds spelled "return" were all quarantined and the pages
-- read refunds 0.00 after a complete build). A master-data version or a trailer's claim warns:
-- no amount depends on it. What to do is to correct and re-deliver the file (README,
-- "Quarantine"; decision log §10).
{% set effects = {
    'transactions': 'the line is missing from every mart',
    'marketing_spend': 'the campaign day keeps its earlier restatement, or has no spend',
    'cogs': 'the SKU keeps its earlier cost version from that date, or has no cost',
    'products': 'the product keeps its earlier version',
    'customers': 'the account keeps its earlier version',
    'fx_rates': 'the previous publication serves the day, within var max_fx_staleness_days',
    'control_totals': 'the claim is not checked',
} %}
{#- the feeds whose quarantined records leave an amount out of the totals, or put a guess in it -#}
{% set money_feeds = ['transactions', 'marketing_spend', 'cogs', 'fx_rates'] %}
with latest_delivery as (
    {{ recon_latest_deliveries() }}
),

quarantined as (
    {{ recon_quarantine_of('latest_delivery') }}
),

described as (
    select
        quarantined.*,
        -- a key repeated within a file: its first row landed (found by a helper's audit: the text
        -- said the line was missing from every mart)
        case
            when quarantined.reason like 'duplicate primary key%within the file'
                then 'the first row of this key in the file was loaded, this one was not; if the two differ, '
                    || 'correct the file'
            {% for feed, text in effects.items() -%}
                when quarantined.feed = '{{ feed }}' then '{{ text }}'
            {% endfor -%}
            else 'the record is missing'
        end as effect
    from quarantined
)

select
    {{ recon_columns('quarantine', "'quarantined row'",
        "file_name || ' row ' || cast(file_row_number as varchar(16))", 'null', 'null', 'null',
        "feed || ': ' || coalesce(column_name, '(row)') || ' ' || reason || '; effect: ' || effect",
        "feed in ('" ~ money_feeds | join("', '") ~ "')") }}
from described
