-- 10. No reporting total mixes currencies: an order's lines share one currency; and every
-- converted amount has a rate: a line or spend day whose currency has none, and a line whose
-- cost is in a currency with none (its USD COGS and margins are null), is listed. While no FX
-- feed has ever been delivered, a missing rate is unknown: a warning.
{% set never = recon_never_delivered('fx_rates', 'amounts in other currencies than USD are unknown in USD') %}
select
    {{ recon_columns('currency', "'sale line'", 'line_event_id', 'currency_code', 'null', 'null',
        "case when delivered.fx_rates then 'no ' || currency_code || ' rate usable on ' || cast(event_date as varchar(10))
            || ' (USD amounts are null)' else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_transactions') }}
cross join ({{ recon_delivered_feeds() }}) as delivered
where not has_fx_rate
union all
select
    {{ recon_columns('currency', "'campaign day'", "campaign_id || ' ' || cast(spend_date as varchar(10))", 'currency_code',
        'null', 'null', "case when delivered.fx_rates then 'no ' || currency_code || ' rate usable on '
            || cast(spend_date as varchar(10)) else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_marketing_spend') }}
cross join ({{ recon_delivered_feeds() }}) as delivered
where not has_fx_rate
union all
select
    {{ recon_columns('currency', "'sale line'", 'lines.line_event_id', 'costed.cost_currency_code', 'null', 'null',
        "case when delivered.fx_rates then 'the cost of ' || lines.sku || ' is in ' || costed.cost_currency_code
            || ', which has no rate usable on ' || cast(costed.event_date as varchar(10))
            || ' (USD COGS and margins are null)' else " ~ never ~ " end", 'delivered.fx_rates') }}
from {{ ref('fct_transactions') }} as lines
inner join {{ ref('int_sale_lines_costed') }} as costed
    on coalesce(lines.refunded_line_event_id, lines.line_event_id) = costed.line_event_id
cross join ({{ recon_delivered_feeds() }}) as delivered
where lines.has_fx_rate and costed.has_unit_cost and costed.cost_rate_to_usd is null
union all
select
    {{ recon_columns('currency', "'order'", 'order_id', 'null', '1', 'count(distinct currency_code)',
        "'the order mixes currencies'", 'true') }}
from {{ ref('stg_raw__transactions') }}
group by order_id
having count(distinct currency_code) > 1
