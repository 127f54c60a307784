-- 7. Every sale line has a unit cost from the as-of rule; a line without one is an exception.
-- While no cost feed has ever been delivered, every line's COGS is unknown: warnings.
with delivered as (
    {{ recon_delivered_feeds() }}
)

select
    {{ recon_columns('cogs_coverage', "'sale line'", 'fact_lines.line_event_id', 'fact_lines.currency_code',
        'null', 'null',
        "case when delivered.cogs then 'no cost version for ' || fact_lines.sku || ' in force on '
            || cast(fact_lines.event_date as varchar(10))
            else " ~ recon_never_delivered('cogs', 'COGS and margins are unknown') ~ " end",
        'delivered.cogs') }}
from {{ ref('fct_transactions') }} as fact_lines
cross join delivered
where fact_lines.event_type = 'sale' and not fact_lines.has_unit_cost
