-- 10. No reporting total mixes currencies: an order's lines share one currency; and every
-- converted amount has a rate: a line or spend day whose currency has none, and a line whose
-- cost is in a currency with none (its USD COGS and margins are null), is listed. While no FX
-- feed has ever been delivered, a missing rate is unknown: a warning.
{% set never = recon_never_delivered('fx_rates', 'amounts in other currencies than USD are unknown in USD') %}
with delivered as (
    {{ recon_delivered_feeds() }}
)

select
    {{ recon_columns('currency', "'sale line'", 'fact_lines.line_event_id', 'fact_lines.currency_code', 'null', 'null',
        "case when delivered.fx_rates then 'no ' || fact_lines.currency_code || ' rate usable on '
            || cast(fact_lines.event_date as varchar(10))
            || ' (USD amounts are null)' else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_transactions') }} as fact_lines
cross join delivered
where not fact_lines.has_fx_rate
union all
select
    {{ recon_columns('currency', "'campaign day'",
        "spend.campaign_id || ' ' || cast(spend.spend_date as varchar(10))", 'spend.currency_code',
        'null', 'null', "case when delivered.fx_rates then 'no ' || spend.currency_code || ' rate usable on '
            || cast(spend.spend_date as varchar(10)) else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_marketing_spend') }} as spend
cross join delivered
where not spend.has_fx_rate
union all
select
    {{ recon_columns('currency', "'sale line'", 'fact_lines.line_event_id', 'costed.cost_currency_code', 'null', 'null',
        "case when delivered.fx_rates then 'the cost of ' || fact_lines.sku || ' is in ' || costed.cost_currency_code
            || ', which has no rate usable on ' || cast(costed.event_date as varchar(10))
            || ' (USD COGS and margins are null)' else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_transactions') }} as fact_lines
inner join {{ ref('int_sale_lines_costed') }} as costed
    on coalesce(fact_lines.refunded_line_event_id, fact_lines.line_event_id) = costed.line_event_id
cross join delivered
where fact_lines.has_fx_rate and costed.has_unit_cost and costed.cost_rate_to_usd is null
union all
select
    {{ recon_columns('currency', "'order'", 'order_id', 'null', '1', 'count(distinct currency_code)',
        "'the order mixes currencies'", 'true') }}
from {{ ref('int_transaction_lines_deduplicated') }}
group by order_id
having count(distinct currency_code) > 1
