-- 7. Every sale line has a unit cost from the as-of rule; a line without one is an exception.
-- While no cost feed has ever been delivered, every line's COGS is unknown: warnings.
select
    {{ recon_columns('cogs_coverage', "'sale line'", 'line_event_id', 'currency_code', 'null', 'null',
        "case when delivered.cogs then 'no cost version for ' || sku || ' in force on ' || cast(event_date as varchar(10))
            else " ~ recon_never_delivered('cogs', 'COGS and margins are unknown') ~ " end",
        'delivered.cogs') }}
from {{ ref('fct_transactions') }}
cross join ({{ recon_delivered_feeds() }}) as delivered
where event_type = 'sale' and not has_unit_cost
