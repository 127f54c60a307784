-- 5. The margin identities hold at every grain: per line, net revenue - COGS = gross margin and
-- gross margin - fees - shipping cost + shipping charged = contribution (local and USD); per
-- channel, every measure of the daily P&L summed over days equals the fact; and every summable
-- measure of every other mart (orders, products, refunds, marketing, both customer 360s, the
-- dashboards' daily aggregates) equals the total of the rows it is built from. An empty set sums
-- to zero on both sides.
{#- An identified customer is a line's or order's account id: customer_360 has a row for each,
    whether the customer master holds the account or not (an account it lacks is also a
    dimension_members exception: a failure, or a warning while no customer master was ever
    delivered). -#}
{% set identified_customer = 'customer_id is not null' %}
{#- Every measure of every mart ties to what it is built from, at the mart's total: (mart,
    its column, the relation that column sums, the expression summed there, which of its rows
    count). A measure the mart derives from others (rates, ROAS) is not summed. -#}
{% set conditions = {
    'all lines': 'true',
    'sale lines': "event_type = 'sale'",
    'refund lines': "event_type = 'refund'",
    'sale lines of a known channel': "event_type = 'sale' and channel_key <> " ~ unknown_key(),
    'refund lines of a known channel': "event_type = 'refund' and channel_key <> " ~ unknown_key(),
    'lines of a known channel': 'channel_key <> ' ~ unknown_key(),
    'restocked refund lines of a known channel': "event_type = 'refund' and is_restocked and channel_key <> "
        ~ unknown_key(),
    'refund lines of a known channel with unknown restock': "event_type = 'refund' and is_restocked is null and "
        ~ "channel_key <> " ~ unknown_key(),
    'refund lines of a known channel and sale line': "event_type = 'refund' and channel_key <> " ~ unknown_key()
        ~ " and refunds_a_sale_line",
    'all spend': 'true',
    'attributed orders': 'attributed_campaign_id is not null',
    'attributed first orders': 'attributed_campaign_id is not null and is_first_order',
    'identified customers': identified_customer,
    'refund lines of identified customers': "event_type = 'refund' and " ~ identified_customer,
    'restocked refund lines': "event_type = 'refund' and is_restocked",
    'refund lines with unknown restock': "event_type = 'refund' and is_restocked is null",
    'all orders': 'true',
    'all rows': 'true',
} %}
{% set ties = [
    ('fct_orders', 'line_count', 'lines', '1', 'sale lines'),
    ('fct_orders', 'units', 'lines', 'quantity', 'sale lines'),
    ('fct_orders', 'gross_revenue_usd', 'lines', 'gross_revenue_usd', 'sale lines'),
    ('fct_orders', 'discount_usd', 'lines', 'discount_usd', 'sale lines'),
    ('fct_orders', 'net_sales_usd', 'lines', 'net_revenue_usd', 'sale lines'),
    ('fct_orders', 'cogs_usd', 'lines', 'cogs_usd', 'sale lines'),
    ('fct_orders', 'gross_margin_usd', 'lines', 'gross_margin_usd', 'sale lines'),
    ('fct_orders', 'contribution_margin_usd', 'lines', 'contribution_margin_usd', 'sale lines'),
    ('fct_orders', 'refund_line_count', 'lines', '1', 'refund lines'),
    ('fct_orders', 'refunded_units', 'lines', '-quantity', 'refund lines'),
    ('fct_orders', 'refunded_revenue_usd', 'lines', 'refunded_revenue_usd', 'refund lines'),
    ('fct_orders', 'refund_lines_without_usd', 'lines', 'case when refunded_revenue_usd is null then 1 else 0 end',
        'refund lines'),
    ('product_performance_monthly', 'units_sold', 'lines', 'quantity', 'sale lines'),
    ('product_performance_monthly', 'units_returned', 'lines', '-quantity', 'refund lines'),
    ('product_performance_monthly', 'sale_lines', 'lines', '1', 'sale lines'),
    ('product_performance_monthly', 'sale_lines_without_usd', 'lines',
        'case when net_revenue_usd is null then 1 else 0 end', 'sale lines'),
    ('product_performance_monthly', 'refund_lines', 'lines', '1', 'refund lines'),
    ('product_performance_monthly', 'refund_lines_without_usd', 'lines',
        'case when net_revenue_usd is null then 1 else 0 end', 'refund lines'),
    ('product_performance_monthly', 'gross_revenue_usd', 'lines', 'gross_revenue_usd', 'all lines'),
    ('product_performance_monthly', 'discount_usd', 'lines', 'discount_usd', 'all lines'),
    ('product_performance_monthly', 'refunded_revenue_usd', 'lines', 'refunded_revenue_usd', 'all lines'),
    ('product_performance_monthly', 'net_revenue_usd', 'lines', 'net_revenue_usd', 'all lines'),
    ('product_performance_monthly', 'cogs_usd', 'lines', 'cogs_usd', 'all lines'),
    ('product_performance_monthly', 'gross_margin_usd', 'lines', 'gross_margin_usd', 'all lines'),
    ('product_performance_monthly', 'contribution_margin_usd', 'lines', 'contribution_margin_usd', 'all lines'),
    ('refunds_monthly', 'sale_lines', 'lines', '1', 'sale lines of a known channel'),
    ('refunds_monthly', 'sale_lines_without_usd', 'lines', 'case when net_revenue_usd is null then 1 else 0 end',
        'sale lines of a known channel'),
    ('refunds_monthly', 'sales_usd', 'lines', 'gross_revenue_usd - discount_usd', 'sale lines of a known channel'),
    ('refunds_monthly', 'refund_lines', 'lines', '1', 'refund lines of a known channel'),
    ('refunds_monthly', 'refund_lines_without_usd', 'lines', 'case when refunded_revenue_usd is null then 1 else 0 end',
        'refund lines of a known channel'),
    ('refunds_monthly', 'refunded_units', 'lines', '-quantity', 'refund lines of a known channel'),
    ('refunds_monthly', 'restocked_units', 'lines', '-quantity', 'restocked refund lines of a known channel'),
    ('refunds_monthly', 'restock_unknown_units', 'lines', '-quantity',
        'refund lines of a known channel with unknown restock'),
    ('refunds_monthly', 'refunded_revenue_usd', 'lines', 'refunded_revenue_usd', 'lines of a known channel'),
    ('refunds_monthly', 'refunded_tax_usd', 'lines', '-tax_usd', 'refund lines of a known channel'),
    ('refunds_monthly', 'refunded_shipping_usd', 'lines', '-shipping_charged_usd', 'refund lines of a known channel'),
    ('refunds_monthly', 'cohort_refunded_revenue_usd', 'lines', 'refunded_revenue_usd',
        'refund lines of a known channel and sale line'),
    ('refunds_monthly', 'cohort_refund_lines', 'lines', '1', 'refund lines of a known channel and sale line'),
    ('refunds_monthly', 'cohort_refund_lines_without_usd', 'lines',
        'case when refunded_revenue_usd is null then 1 else 0 end', 'refund lines of a known channel and sale line'),
    ('pnl_daily_by_channel', 'transaction_lines', 'lines', '1', 'all lines'),
    ('pnl_daily_by_channel', 'sale_lines', 'lines', '1', 'sale lines'),
    ('pnl_daily_by_channel', 'sale_lines_without_usd', 'lines', 'case when net_revenue_usd is null then 1 else 0 end',
        'sale lines'),
    ('pnl_daily_by_channel', 'refund_lines', 'lines', '1', 'refund lines'),
    ('pnl_daily_by_channel', 'refund_lines_without_usd', 'lines',
        'case when net_revenue_usd is null then 1 else 0 end', 'refund lines'),
    ('marketing_performance_monthly', 'spend_usd', 'spend', 'spend_usd', 'all spend'),
    ('marketing_performance_monthly', 'spend_rows', 'spend', '1', 'all spend'),
    ('marketing_performance_monthly', 'impressions', 'spend', 'impressions', 'all spend'),
    ('marketing_performance_monthly', 'clicks', 'spend', 'clicks', 'all spend'),
    ('marketing_performance_monthly', 'spend_rows_without_usd', 'spend',
        'case when spend_usd is null then 1 else 0 end', 'all spend'),
    ('marketing_performance_monthly', 'attributed_orders', 'orders', '1', 'attributed orders'),
    ('marketing_performance_monthly', 'attributed_revenue_usd', 'orders', 'net_sales_usd', 'attributed orders'),
    ('marketing_performance_monthly', 'attributed_orders_without_usd', 'orders',
        'case when net_sales_usd is null then 1 else 0 end', 'attributed orders'),
    ('marketing_performance_monthly', 'new_customers', 'orders', '1', 'attributed first orders'),
    ('orders_daily', 'orders', 'orders', '1', 'all orders'),
    ('orders_daily', 'orders_with_usd', 'orders', 'case when net_sales_usd is not null then 1 else 0 end',
        'all orders'),
    ('orders_daily', 'net_sales_usd', 'lines', 'net_revenue_usd', 'sale lines'),
    ('orders_daily', 'attributed_revenue_usd', 'orders', 'net_sales_usd', 'attributed orders'),
    ('orders_daily', 'attributed_orders', 'orders', '1', 'attributed orders'),
    ('orders_daily', 'attributed_orders_without_usd', 'orders', 'case when net_sales_usd is null then 1 else 0 end',
        'attributed orders'),
    ('refund_reasons_daily', 'refund_lines', 'lines', '1', 'refund lines'),
    ('refund_reasons_daily', 'refunded_units', 'lines', '-quantity', 'refund lines'),
    ('refund_reasons_daily', 'restocked_units', 'lines', '-quantity', 'restocked refund lines'),
    ('refund_reasons_daily', 'restock_unknown_units', 'lines', '-quantity', 'refund lines with unknown restock'),
    ('refund_reasons_daily', 'refunded_revenue_usd', 'lines', 'refunded_revenue_usd', 'refund lines'),
    ('refund_reasons_daily', 'refund_lines_without_usd', 'lines',
        'case when refunded_revenue_usd is null then 1 else 0 end', 'refund lines'),
    ('feed_freshness', 'lines_missing', 'lines',
        feed_lines_missing()['cogs'] ~ ' + ' ~ feed_lines_missing()['fx_rates'], 'all lines'),
    ('customer_360', 'orders', 'orders', '1', 'identified customers'),
    ('customer_360', 'units', 'orders', 'units', 'identified customers'),
    ('customer_360', 'gross_revenue_usd', 'orders', 'gross_revenue_usd', 'identified customers'),
    ('customer_360', 'net_sales_usd', 'orders', 'net_sales_usd', 'identified customers'),
    ('customer_360', 'refunded_revenue_usd', 'lines', 'refunded_revenue_usd', 'identified customers'),
    ('customer_360', 'refund_lines', 'lines', '1', 'refund lines of identified customers'),
    ('customer_360', 'refund_lines_without_usd', 'lines', 'case when net_revenue_usd is null then 1 else 0 end',
        'refund lines of identified customers'),
    ('customer_360', 'net_revenue_usd', 'lines', 'net_revenue_usd', 'identified customers'),
    ('customer_360', 'gross_margin_usd', 'lines', 'gross_margin_usd', 'identified customers'),
    ('customer_360', 'contribution_margin_usd', 'lines', 'contribution_margin_usd', 'identified customers'),
] %}
{#- what the margins cover ties like any measure: the same expressions the marts sum -#}
{% for mart, condition in [('product_performance_monthly', 'all lines'), ('pnl_daily_by_channel', 'all lines'),
    ('customer_360', 'identified customers'), ('fct_orders', 'sale lines')] -%}
    {% for column, expression in margin_coverage().items() if not (mart == 'fct_orders'
        and column == 'net_revenue_with_cost_usd') -%}
        {% do ties.append((mart, column, 'lines', expression, condition)) %}
    {%- endfor %}
{%- endfor %}
{% set group_measures = ['orders', 'units', 'gross_revenue_usd', 'net_sales_usd', 'refunded_revenue_usd',
    'net_revenue_usd', 'gross_margin_usd', 'contribution_margin_usd', 'net_revenue_with_cost_usd',
    'lines_without_cost', 'lines_without_usd', 'refund_lines', 'refund_lines_without_usd'] %}
{#- One identity per tie: (number, name, relation summed, expression, condition, mart, column). -#}
{% set identities = [] %}
{% for mart, column, relation, expression, condition in ties -%}
    {% do identities.append((identities | length + 1, mart ~ '.' ~ column ~ ' = sum of ' ~ expression ~ ' over '
        ~ condition, relation, expression, condition, mart, column)) %}
{%- endfor %}
{% for column in group_measures -%}
    {% do identities.append((identities | length + 1, 'customer_groups_360 ' ~ column ~ ' = customer_360',
        'customer_360', column, 'all rows', 'customer_groups_360', column)) %}
{%- endfor %}
{#- Each relation is read once for all its sums (a scalar subquery per identity read the fact
    once per identity): one single-row aggregate per relation summed and per mart. The fact's
    sums are taken per channel first, with the P&L's, in its one pass (lines_by_channel). -#}
{% set summed = {'lines': 'lines_by_channel', 'orders': 'orders', 'spend': 'spend',
    'customer_360': ref('customer_360')} %}
{% set marts = [] %}
{% for identity in identities if identity[5] not in marts -%}
    {% do marts.append(identity[5]) %}
{%- endfor %}
{#- (identity, currency of both sides, expected, actual, which lines it holds for) -#}
{% set line_identities = [
    ("'net revenue - cogs = gross margin (' || currency_code || ')'", 'currency_code', 'gross_margin',
        'net_revenue - cogs', 'cogs is not null'),
    ("'net revenue - cogs = gross margin (USD)'", "'USD'", 'gross_margin_usd', 'net_revenue_usd - cogs_usd',
        'cogs_usd is not null and net_revenue_usd is not null'),
    ("'gross margin - fees - shipping cost + shipping charged = contribution (USD)'", "'USD'",
        'contribution_margin_usd',
        contribution_margin('gross_margin_usd', 'platform_fee_usd', 'shipping_cost_usd', 'shipping_charged_usd'),
        'contribution_margin_usd is not null'),
] %}
{#- the P&L measures summed from the fact per channel: P&L column, fact column. Contribution
    before marketing sums the lines' own (decision log §3, "Coverage"): a line without a cost has
    none, its fees and shipping included. -#}
{% set pnl_measures = {
    'gross_revenue_usd': 'gross_revenue_usd', 'discount_usd': 'discount_usd',
    'refunded_revenue_usd': 'refunded_revenue_usd', 'net_revenue_usd': 'net_revenue_usd', 'cogs_usd': 'cogs_usd',
    'gross_margin_usd': 'gross_margin_usd', 'platform_fee_usd': 'platform_fee_usd',
    'shipping_cost_usd': 'shipping_cost_usd', 'shipping_charged_usd': 'shipping_charged_usd',
    'contribution_before_marketing_usd': 'contribution_margin_usd'} %}
{#- each P&L total per channel against what it sums there: (P&L column, the relation of the sums,
    its column, the identity) -#}
{% set pnl_ties = [] %}
{% for measure in pnl_measures %}
    {% do pnl_ties.append((measure, 'fact_by_channel', measure, 'P&L ' ~ measure ~ ' summed over days = fact total')) %}
{% endfor %}
{% for pnl_column, spend_column, measure in [
    ('marketing_spend_usd', 'spend_usd', 'marketing spend'),
    ('spend_rows_without_usd', 'spend_rows_without_usd', 'spend rows without a USD amount'),
] %}
    {% do pnl_ties.append(
        (pnl_column, 'spend_by_channel', spend_column, 'P&L ' ~ measure ~ ' summed over days = fct_marketing_spend')
    ) %}
{% endfor %}
-- lines is read three times, a few columns each: inlined, not stored (10M rows of every column).
with lines as {{ not_materialized() }} (
    select * from {{ ref('fct_transactions') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend') }}
),

-- the lines breaking any identity, in one pass over the fact (none, when the build is right);
-- read three times, so stored: only the columns the identities read
lines_breaking_an_identity as (
    select
        line_event_id,
        currency_code,
        net_revenue,
        cogs,
        gross_margin,
        net_revenue_usd,
        cogs_usd,
        gross_margin_usd,
        platform_fee_usd,
        shipping_cost_usd,
        shipping_charged_usd,
        contribution_margin_usd
    from lines
    where
        {% for name, currency, expected, actual, holds_for in line_identities -%}
            ({{ holds_for }} and {{ recon_differs(expected, actual) }})
            {%- if not loop.last %} or{% endif %}
        {% endfor %}
),

line_checks as (
    {% for name, currency, expected, actual, holds_for in line_identities -%}
        select
            line_event_id,
            {{ currency }} as currency_code,
            {{ name }} as identity_name,
            {{ expected }} as expected,
            {{ actual }} as actual
        from lines_breaking_an_identity
        where {{ holds_for }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

sale_line_ids as (
    select line_event_id from lines
    where event_type = 'sale'
),

lines_with_sale_flag as (
    select
        lines.*,
        sale_line_ids.line_event_id is not null as refunds_a_sale_line
    from lines
    left join sale_line_ids on lines.refunded_line_event_id = sale_line_ids.line_event_id
),

-- one pass over the fact for every sum taken from it: the P&L's measures and each identity's
-- expected total, per channel (summed again over channels in expected_from_lines)
lines_by_channel as (
    select
        channel_key,
        {% for measure, fact_column in pnl_measures.items() -%}
            sum({{ fact_column }}) as {{ measure }},
        {% endfor -%}
        {%- for number, name, summed_relation, expression, condition, mart, column in identities
            if summed_relation == 'lines' %}
            sum(case when {{ conditions[condition] }} then {{ expression }} end) as expected_{{ number }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from lines_with_sale_flag
    group by channel_key
),

fact_by_channel as (
    select
        channel_key,
        {% for measure in pnl_measures -%}
            {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from lines_by_channel
),

spend_by_channel as (
    select
        channel_key,
        sum(spend_usd) as spend_usd,
        sum(case when spend_usd is null then 1 else 0 end) as spend_rows_without_usd
    from {{ ref('fct_marketing_spend') }}
    group by channel_key
),

pnl_by_channel as (
    select
        channel_key,
        sum(gross_revenue_usd) as gross_revenue_usd,
        sum(discount_usd) as discount_usd,
        sum(refunded_revenue_usd) as refunded_revenue_usd,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(cogs_usd) as cogs_usd,
        sum(gross_margin_usd) as gross_margin_usd,
        sum(platform_fee_usd) as platform_fee_usd,
        sum(shipping_cost_usd) as shipping_cost_usd,
        sum(shipping_charged_usd) as shipping_charged_usd,
        sum(marketing_spend_usd) as marketing_spend_usd,
        sum(contribution_before_marketing_usd) as contribution_before_marketing_usd,
        sum(spend_rows_without_usd) as spend_rows_without_usd
    from {{ ref('pnl_daily_by_channel') }}
    group by channel_key
),

pnl_checks as (
    {% for pnl_column, relation, column, identity in pnl_ties -%}
        select
            coalesce(pnl.channel_key, totals.channel_key) as channel_key,
            '{{ identity }}' as identity_name,
            coalesce(totals.{{ column }}, 0) as expected,
            coalesce(pnl.{{ pnl_column }}, 0) as actual
        from pnl_by_channel as pnl full outer join {{ relation }} as totals on pnl.channel_key = totals.channel_key
        {% if not loop.last %}union all{% endif %}
    {% endfor -%}
),

{# Where a margin covers only the lines with a known cost, it says so: on every row of the
    marts that show one, gross margin = net revenue with a known cost - COGS. -#}
coverage_checks as (
    select
        channel || ' ' || cast(date_day as varchar(10)) as row_id,
        'P&L row: gross margin = net revenue with a known cost - COGS' as identity_name,
        net_revenue_with_cost_usd - cogs_usd as expected,
        gross_margin_usd as actual
    from {{ ref('pnl_daily_by_channel') }}
    union all
    -- after marketing: before - marketing where the day's spend is known, unknown (null) where not
    select
        channel || ' ' || cast(date_day as varchar(10)) as row_id,
        'P&L row: contribution after marketing = before - marketing, null where spend is unknown' as identity_name,
        case
            when marketing_spend_unknown_reason is null then contribution_before_marketing_usd - marketing_spend_usd
        end as expected,
        contribution_margin_usd as actual
    from {{ ref('pnl_daily_by_channel') }}
    union all
    -- contribution covers the lines gross margin covers (decision log §3): known exactly where it is
    select
        channel || ' ' || cast(date_day as varchar(10)) as row_id,
        'P&L row: contribution before marketing is known exactly where gross margin is (1 = known)' as identity_name,
        case when gross_margin_usd is not null then 1 else 0 end as expected,
        case when contribution_before_marketing_usd is not null then 1 else 0 end as actual
    from {{ ref('pnl_daily_by_channel') }}
    union all
    select
        sku || ' ' || cast(month_start_date as varchar(10)) as row_id,
        'product month: gross margin = net revenue with a known cost - COGS' as identity_name,
        net_revenue_with_cost_usd - cogs_usd as expected,
        gross_margin_usd as actual
    from {{ ref('product_performance_monthly') }}
),

{% for relation, source in summed.items() %}
    expected_from_{{ relation }} as (
        select
            {%- for number, name, summed_relation, expression, condition, mart, column in identities
                if summed_relation == relation %}
                {% if relation == 'lines' -%}
                    sum(expected_{{ number }})
                {%- else -%}
                    sum(case when {{ conditions[condition] }} then {{ expression }} end)
                {%- endif %} as expected_{{ number }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ source }}
    ),

{% endfor %}
{% for mart in marts %}
    actual_from_{{ mart }} as (
        select
            {%- for number, name, summed_relation, expression, condition, identity_mart, column in identities
                if identity_mart == mart %}
                sum({{ column }}) as actual_{{ number }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ ref(mart) }}
    ),

{% endfor %}
sums as (
    select
        {% for relation in summed -%}
            expected_from_{{ relation }}.*,
        {% endfor -%}
        {% for mart in marts -%}
            actual_from_{{ mart }}.*{% if not loop.last %},{% endif %}
        {% endfor %}
    from expected_from_lines
    {%- for relation in summed if relation != 'lines' %}
        cross join expected_from_{{ relation }}
    {%- endfor %}
    {%- for mart in marts %}
        cross join actual_from_{{ mart }}
    {%- endfor %}
),

identity_names as (
    {% for identity in identities -%}
        select
            {{ identity[0] }} as identity_number,
            '{{ identity[1] }}' as identity_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

totals as (
    select
        identity_names.identity_name,
        case identity_names.identity_number
            {%- for identity in identities %}
                when {{ identity[0] }} then sums.expected_{{ identity[0] }}
            {%- endfor %}
        end as expected,
        case identity_names.identity_number
            {%- for identity in identities %}
                when {{ identity[0] }} then sums.actual_{{ identity[0] }}
            {%- endfor %}
        end as actual
    from identity_names
    cross join sums
),

{# An empty set sums to zero on both sides: a shop with no refunds yet, or no identified
    customers, has nothing to tie out, which is not an exception. -#}
null_safe_totals as (
    select
        identity_name,
        coalesce(expected, 0) as expected,
        coalesce(actual, 0) as actual
    from totals
)

{#- (checks, what a row is about, its id, the currency of expected and actual) -#}
{%- set grains = [
    ('line_checks', "'line'", 'line_event_id', 'currency_code'),
    ('pnl_checks', "'channel'", 'channel_key', "'USD'"),
    ('coverage_checks', "'mart row'", 'row_id', "'USD'"),
    ('null_safe_totals', "'mart'", 'identity_name', "'USD'"),
] %}
{% for checks, object_type, object_id, currency in grains -%}
    select
    {{ recon_columns('margin_identities', object_type, object_id, currency, 'expected', 'actual',
        'identity_name', recon_beyond_tolerance('expected', 'actual')) }}
    from {{ checks }}
    where {{ recon_differs('expected', 'actual') }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
