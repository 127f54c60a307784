-- 13. Well-formed but implausible inputs (decision log §14):
--   a. an FX rate that moves more than var fx_move_band from the currency's previous
--      publication fails the build: one wrong rate converts a whole day of sales wrong;
--   b. a channel's daily net sales, refunds or marketing spend far outside its recent range
--      (above var anomaly_band times the highest of its previous var anomaly_window active days,
--      or, for sales and spend, below the lowest divided by it) is a warning with its evidence;
--      a channel's days after the last day it sold are the data's open edge (a late refund, a
--      store behind UTC whose evening is the next UTC day) and are not compared;
--   c. a sale, refund or spend day dated more than a day after the file that delivered it was
--      read fails: an event cannot happen after it was reported (a till or export clock gone
--      wrong), and a calendar from the data would otherwise stretch to it;
--   d. an ad platform whose spend rows end before the spend feed's last day (or before the day
--      seeds/ad_platform_retirements.csv says it was retired after) is a warning: its later days read 0
--      spend, which a lagging export would make unknown, and the data alone cannot tell which;
--   e. an FX rate inside the band that is the inverse of the previous publication's (within var
--      fx_inversion_tolerance, having moved more than var fx_inversion_min_move) fails: a rate
--      quoted the other way round (EUR per USD) converts a day of sales wrong by 10-15%;
--   f. a cost version more than var cost_move_band times (or less than 1/it of) the same SKU's
--      previous version in the same currency fails: a cost typed in cents misstates the margin of
--      every sale while it holds;
--   g. a cost version whose unit cost in USD (at its effective date, or its currency's first rate) is more
--      than var cost_to_list_price_band times the SKU's list price fails: f cannot see a SKU's
--      first version, nor a version in another currency than the one before, typed in cents;
--   h. a sale line whose unit price in USD (at the line's own rate) is more than var
--      price_to_list_price_band times the SKU's list price fails: a price typed in cents is in
--      the order's total and the file's control totals too, so nothing else sees it.
-- A failure of a, e, f, g or h that finance has checked and found real (a devaluation, a new
-- supplier, a nominal list price, a negotiated price) is confirmed in
-- seeds/plausibility_confirmations.csv at the value its detail names (the object's own): it is
-- then a warning that names who confirmed it. A confirmation no failure matches any more is a
-- warning too (remove it).
{% set band = var('fx_move_band') %}
{% set inversion_tolerance = var('fx_inversion_tolerance') %}
{% set inversion_min_move = var('fx_inversion_min_move') %}
{% set cost_band = var('cost_move_band') %}
{% set list_price_band = var('cost_to_list_price_band') %}
{% set price_band = var('price_to_list_price_band') %}
{% set anomaly_band = var('anomaly_band') %}
{#- (measure, the P&L expression, whether a drop is flagged as well as a spike) -#}
{% set measures = [
    ('net sales', 'gross_revenue_usd - discount_usd', true),
    ('refunds', 'refunded_revenue_usd', false),
    ('marketing spend', 'marketing_spend_usd', true),
] %}
with marketing_spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

retirements as (
    select * from {{ ref('ad_platform_retirements') }}
),

confirmations as (
    select * from {{ ref('plausibility_confirmations') }}
),

transactions as (
    select * from {{ ref('fct_transactions') }}
),

deliveries as (
    select
        file_name,
        cast(read_at as date) as read_date
    from {{ ref('stg_raw__file_deliveries') }}
    where is_current and delivery_status = 'loaded'
),

future_events as (
    select
        'transactions' as feed,
        transaction_lines.line_event_id as event_id,
        cast(transaction_lines.event_at as date) as event_date,
        deliveries.read_date
    from {{ ref('int_transaction_lines_deduplicated') }} as transaction_lines
    inner join deliveries on transaction_lines.source_file = deliveries.file_name
    where cast(transaction_lines.event_at as date) > {{ dbt.dateadd('day', 1, 'deliveries.read_date') }}
    union all
    select
        'marketing_spend' as feed,
        spend.campaign_id || ' ' || cast(spend.spend_date as varchar(10)) as event_id,
        spend.spend_date as event_date,
        deliveries.read_date
    from {{ ref('stg_raw__marketing_spend') }} as spend
    inner join deliveries on spend.source_file = deliveries.file_name
    where spend.spend_date > {{ dbt.dateadd('day', 1, 'deliveries.read_date') }}
),

spend_feed_dates as (
    {{ spend_feed_dates('marketing_spend') }}
),

platform_last_days as (
    select
        platform,
        max(spend_date) as last_spend_date
    from marketing_spend
    group by platform
),

-- the last day each platform's spend should reach: the feed's, or its retirement day when that
-- comes first (a retirement dated ahead, or a feed that lags as a whole, opens no gap)
platform_expected_days as (
    select
        platform_last_days.platform,
        platform_last_days.last_spend_date,
        coalesce(retirements.retired_after <= spend_feed_dates.last_spend_date, false) as is_retired,
        case
            when retirements.retired_after <= spend_feed_dates.last_spend_date then retirements.retired_after
            else spend_feed_dates.last_spend_date
        end as expected_last_date
    from platform_last_days
    cross join spend_feed_dates
    left join retirements
        on platform_last_days.platform = retirements.platform
),

silent_platforms as (
    select *
    from platform_expected_days
    where last_spend_date < expected_last_date
),

rates as (
    select
        currency_code,
        rate_date,
        rate_to_usd,
        lag(rate_date) over (partition by currency_code order by rate_date) as previous_rate_date,
        lag(rate_to_usd) over (partition by currency_code order by rate_date) as previous_rate_to_usd
    from {{ ref('stg_raw__fx_rates') }}
),

fx_moves as (
    select *
    from rates
    where
        previous_rate_to_usd > 0
        and {{ recon_moved_beyond('rate_to_usd', 'previous_rate_to_usd', '(1 + ' ~ band ~ ')') }}
),

-- inside the band (a move beyond it is listed above), a rate that is the previous one's inverse:
-- one of the two is quoted the other way round. Both the inverted rate and the right one after
-- it are listed (each is the other's inverse, and only the dates around them tell which is
-- wrong); correcting the wrong one clears both. An exemption for the rate after an inverted one
-- let a second inversion through (a review's finding, 2026-12-07)
fx_inversions as (
    select *
    from rates
    where
        previous_rate_to_usd > 0
        and not {{ recon_moved_beyond('rate_to_usd', 'previous_rate_to_usd', '(1 + ' ~ band ~ ')') }}
        and abs(rate_to_usd * previous_rate_to_usd - 1) <= {{ inversion_tolerance }}
        and {{ recon_moved_beyond('rate_to_usd', 'previous_rate_to_usd', '(1 + ' ~ inversion_min_move ~ ')') }}
),

cost_versions as (
    select
        sku,
        effective_from,
        unit_cost,
        currency_code,
        lag(effective_from) over (partition by sku order by effective_from) as previous_effective_from,
        lag(unit_cost) over (partition by sku order by effective_from) as previous_unit_cost,
        lag(currency_code) over (partition by sku order by effective_from) as previous_currency_code
    from {{ ref('int_cogs_versions_ranged') }}
),

cost_moves as (
    select *
    from cost_versions
    where
        previous_unit_cost > 0
        and currency_code = previous_currency_code
        and {{ recon_moved_beyond('unit_cost', 'previous_unit_cost', cost_band) }}
),

-- the SKU's highest list price of any version: the most a cost could plausibly approach
list_prices as (
    select
        sku,
        max(list_price_usd) as list_price_usd
    from {{ ref('dim_product') }}
    where list_price_usd > 0
    group by sku
),

-- each currency's first day with a rate
first_rate_days as (
    select
        currency_code,
        min(date_day) as first_rate_date
    from {{ ref('int_fx_rates_filled') }}
    group by currency_code
),

-- every cost version in USD at the later of its effective date and its currency's first rate
-- (a version that ends before its currency has a rate, or whose day has none, is not compared
-- here: reconciliation_currency lists its lines)
cost_version_rates as (
    select
        versions.sku,
        versions.effective_from,
        versions.unit_cost,
        versions.currency_code,
        filled_rates.date_day as rate_date,
        filled_rates.rate_to_usd
    from {{ ref('int_cogs_versions_ranged') }} as versions
    inner join first_rate_days on versions.currency_code = first_rate_days.currency_code
    inner join {{ ref('int_fx_rates_filled') }} as filled_rates
        on
            versions.currency_code = filled_rates.currency_code
            and greatest(versions.effective_from, first_rate_days.first_rate_date) = filled_rates.date_day
            and versions.effective_to >= filled_rates.date_day
),

costs_over_list_price as (
    select
        cost_version_rates.sku,
        cost_version_rates.effective_from,
        cost_version_rates.unit_cost,
        cost_version_rates.currency_code,
        cost_version_rates.rate_date,
        list_prices.list_price_usd,
        cast(cost_version_rates.unit_cost * cost_version_rates.rate_to_usd as numeric(28, 6)) as unit_cost_usd
    from cost_version_rates
    inner join list_prices on cost_version_rates.sku = list_prices.sku
    where
        cost_version_rates.unit_cost * cost_version_rates.rate_to_usd
        > list_prices.list_price_usd * {{ list_price_band }}
),

-- sale lines priced far above the SKU's highest list price (compared without a division: only the
-- lines listed are divided)
prices_over_list_price as (
    select
        transactions.line_event_id,
        transactions.currency_code,
        transactions.event_date,
        list_prices.list_price_usd,
        {{ divide('transactions.gross_revenue', 'transactions.quantity', 8) }} as unit_price,
        {{ divide('transactions.gross_revenue_usd', 'transactions.quantity', 6) }} as unit_price_usd
    from transactions
    inner join list_prices on transactions.sku = list_prices.sku
    where
        transactions.event_type = 'sale'
        and transactions.quantity > 0
        and transactions.gross_revenue_usd
        > transactions.quantity * list_prices.list_price_usd * {{ price_band }}
),

-- the failures a real value can give (a devaluation, a new supplier, a nominal list price, a
-- negotiated price): each with its object and the value a confirmation names, the object's own
-- (the rate; a cost or a price in its own currency, whatever rate converts it). The rates first:
-- a sale line converted at a rate that fails is not compared with its list price (below)
rate_failures as (
    select
        *,
        'rate moved more than {{ band }} from the previous publication ('
        || cast(previous_rate_date as varchar(10)) || '): correct the rate' as detail
    from fx_moves
    union all
    select
        *,
        'rate is the inverse of the previous publication''s (' || cast(previous_rate_date as varchar(10))
        || '): one of the two is quoted the other way round (units per USD, not USD per unit). Correct it'
            as detail
    from fx_inversions
),

implausible_rates as (
    select
        'fx rate' as object_type,
        currency_code || ' ' || cast(rate_date as varchar(10)) as object_id,
        currency_code,
        previous_rate_to_usd as expected_value,
        rate_to_usd as actual_value,
        cast(rate_to_usd as numeric(28, 8)) as confirmable_value,
        'the rate' as confirmable_name,
        rate_date,
        detail
    from rate_failures
),

-- the rate publications that fail and that no confirmation makes real
unconfirmed_rates as (
    select
        implausible_rates.currency_code,
        implausible_rates.rate_date
    from implausible_rates
    where not exists (
            select 1 from confirmations
            where {{ plausibility_confirms('implausible_rates', 'confirmations') }}
        )
),

-- the listed lines converted at a sound rate: a wrong rate would list every line of its days, each
-- asking to correct a line that is right, and hide the rate's own row among them
prices_at_sound_rates as (
    select prices_over_list_price.*
    from prices_over_list_price
    left join {{ ref('int_fx_rates_filled') }} as filled_rates
        on
            prices_over_list_price.currency_code = filled_rates.currency_code
            and prices_over_list_price.event_date = filled_rates.date_day
    where not exists (
            select 1 from unconfirmed_rates
            where
                unconfirmed_rates.currency_code = filled_rates.currency_code
                and unconfirmed_rates.rate_date = filled_rates.published_on
        )
),

implausible_values as (
    select
        object_type,
        object_id,
        currency_code,
        expected_value,
        actual_value,
        confirmable_value,
        confirmable_name,
        detail
    from implausible_rates
    union all
    select
        'cost version' as object_type,
        sku || ' ' || cast(effective_from as varchar(10)) as object_id,
        currency_code,
        previous_unit_cost as expected_value,
        unit_cost as actual_value,
        cast(unit_cost as numeric(28, 8)) as confirmable_value,
        'the unit cost in ' || currency_code as confirmable_name,
        'unit cost moved more than x{{ cost_band }} from the previous version (effective '
        || cast(previous_effective_from as varchar(10)) || '), as a cost typed in cents or with its decimal '
        || 'point moved would: correct the cost' as detail
    from cost_moves
    union all
    select
        'cost version' as object_type,
        sku || ' ' || cast(effective_from as varchar(10)) as object_id,
        'USD' as currency_code,
        list_price_usd as expected_value,
        unit_cost_usd as actual_value,
        cast(unit_cost as numeric(28, 8)) as confirmable_value,
        -- the cost's own currency (the finding's currency_code is USD, the list price's)
        'the unit cost in ' || costs_over_list_price.currency_code as confirmable_name,
        'unit cost (' || costs_over_list_price.currency_code || ', in USD at the rate of '
        || cast(rate_date as varchar(10))
        || ') more than x{{ list_price_band }} the SKU''s list price, as a cost typed in cents would: correct the cost'
            as detail
    from costs_over_list_price
    union all
    select
        'sale line' as object_type,
        line_event_id as object_id,
        'USD' as currency_code,
        list_price_usd as expected_value,
        unit_price_usd as actual_value,
        cast(unit_price as numeric(28, 8)) as confirmable_value,
        'the unit price in ' || prices_at_sound_rates.currency_code as confirmable_name,
        'unit price (' || prices_at_sound_rates.currency_code || ', in USD at the line''s rate) more than '
        || 'x{{ price_band }} the SKU''s list price, as a price typed in cents would (the order''s total and the '
        || 'file''s control totals carry it too): correct the line at the source' as detail
    from prices_at_sound_rates
),

-- a finding is confirmed at its own value only, exactly: a corrected file that changes it fails
-- again; a confirmation says the value is real, whichever check lists it
findings as (
    select
        implausible_values.*,
        confirmations.confirmed_by,
        confirmations.confirmed_on,
        confirmations.reason
    from implausible_values
    left join confirmations on {{ plausibility_confirms('implausible_values', 'confirmations') }}
),

-- a confirmation no finding matches: its value was corrected, withdrawn, or is inside the band now
stale_confirmations as (
    select confirmations.*
    from confirmations
    where not exists (
            select 1 from implausible_values
            where {{ plausibility_confirms('implausible_values', 'confirmations') }}
        )
),

pnl as (
    select * from {{ ref('pnl_daily_by_channel') }}
),

last_sale_days as (
    select
        channel,
        max(date_day) as date_day
    from pnl
    where gross_revenue_usd <> 0
    group by channel
),

daily as (
    {% for measure, expression, drops in measures -%}
        select
            pnl.date_day,
            pnl.channel,
            '{{ measure }}' as measure,
            {{ drops }} as flags_drops,
            {{ expression }} as amount
        from pnl
        inner join last_sale_days
            on pnl.channel = last_sale_days.channel
                and pnl.date_day <= last_sale_days.date_day
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranged as (
    select
        *,
        max(amount) over (
            partition by channel, measure order by date_day
            rows between {{ var('anomaly_window') }} preceding and 1 preceding
        ) as recent_high,
        min(amount) over (
            partition by channel, measure order by date_day
            rows between {{ var('anomaly_window') }} preceding and 1 preceding
        ) as recent_low,
        count(amount) over (
            partition by channel, measure order by date_day
            rows between {{ var('anomaly_window') }} preceding and 1 preceding
        ) as history_days
    from daily
),

anomalies as (
    select
        *,
        case when amount > recent_high * {{ anomaly_band }} then recent_high else recent_low end as bound
    from ranged
    where
        history_days >= {{ var('anomaly_min_history') }}
        and (
            (recent_high > 0 and amount > recent_high * {{ anomaly_band }})
            or (flags_drops and recent_low > 0 and amount * {{ anomaly_band }} < recent_low)
        )
)

select
    {{ recon_columns('plausibility', 'object_type', 'object_id', 'currency_code', 'expected_value', 'actual_value',
        "detail || case
            when confirmed_by is null
                then ', or, if it is real, confirm ' || confirmable_name || ', '
                || " ~ decimal_text('confirmable_value') ~ " || ', in seeds/plausibility_confirmations.csv'
            else '; ' || confirmable_name || ', ' || " ~ decimal_text('confirmable_value') ~ " || ', confirmed real by '
                || confirmed_by || ' on ' || cast(confirmed_on as varchar(10)) || ' (' || reason || '): a warning'
        end",
        'confirmed_by is null') }}
from findings
union all
select
    {{ recon_columns('plausibility', 'object_type', 'object_id', 'null', 'null', 'confirmed_value',
        "'confirmed real at ' || " ~ decimal_text('confirmed_value') ~ " || ' by ' || confirmed_by || ' on '
            || cast(confirmed_on as varchar(10)) || ', but no check lists this value now (corrected, withdrawn, '
            || 'or inside its band): remove the row from seeds/plausibility_confirmations.csv: a warning'",
        'false') }}
from stale_confirmations
union all
select
    {{ recon_columns('plausibility', "'channel day'",
        "channel || ' ' || cast(date_day as varchar(10)) || ' ' || measure", "'USD'", 'bound', 'amount',
        "measure || ' outside ' || cast(history_days as varchar(8)) || ' days of history (expected: the '
            || case when amount > bound then 'highest' else 'lowest' end || ' of them; band x"
            ~ anomaly_band ~ "): a warning'", 'false') }}
from anomalies
union all
select
    {{ recon_columns('plausibility', "'event'", "feed || ' ' || event_id", 'null', 'null', 'null',
        "'dated ' || cast(event_date as varchar(10)) || ', after its file was read on '
            || cast(read_date as varchar(10)) || ': correct the date at the source'", 'true') }}
from future_events
union all
select
    {{ recon_columns('plausibility', "'ad platform'", 'platform', 'null', '0',
        dbt.datediff('last_spend_date', 'expected_last_date', 'day'),
        "'spend ends ' || cast(last_spend_date as varchar(10)) || ', before '
            || case
                when is_retired
                    then 'the day seeds/ad_platform_retirements.csv says it was retired after ('
                    || cast(expected_last_date as varchar(10)) || '): its days up to it read 0 spend. Deliver '
                    || 'them if its export lags, or correct its retired_after: a warning'
                else 'the last day of the spend feed (' || cast(expected_last_date as varchar(10))
                    || '): its days after read 0 spend. Deliver them if its export lags, or date its retirement '
                    || 'in seeds/ad_platform_retirements.csv if it no longer runs: a warning'
            end",
        'false') }}
from silent_platforms
