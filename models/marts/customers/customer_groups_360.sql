-- One row per account group (the top of a parent-account chain; an account without a parent is
-- its own group): the group's accounts and their combined figures in the reporting currency.
-- Margins add up the accounts with lines: an account without a line has nothing to cover, and
-- its 0 would turn a group whose costs are all unknown (null) into a margin of 0; a group without
-- a line has nothing to cover either, 0, as each of its accounts reads. So do the sales
-- and revenue (decision log §5): an account without a line sold nothing, and its 0 would turn a
-- group whose other accounts' sales all lack a USD amount (null) into 0; a group none of whose
-- accounts has a line sold nothing, 0.
{%- set with_lines = 'orders > 0 or refund_lines > 0' %}
with accounts as (
    select * from {{ ref('customer_360') }}
),

group_sums as (
    select
        account_group_id,
        count(*) as accounts,
        sum(case when orders > 0 then 1 else 0 end) as ordering_accounts,
        min(first_order_at) as first_order_at,
        max(last_order_at) as last_order_at,
        sum(orders) as orders,
        sum(units) as units,
        case
            when sum(orders) = 0 then 0 else sum(case when orders > 0 then gross_revenue_usd end)
        end as gross_revenue_usd,
        case when sum(orders) = 0 then 0 else sum(case when orders > 0 then net_sales_usd end) end as net_sales_usd,
        sum(refunded_revenue_usd) as refunds_in_usd,
        sum(refund_lines) as refund_lines,
        sum(refund_lines_without_usd) as refund_lines_without_usd,
        case
            when sum(case when {{ with_lines }} then 1 else 0 end) = 0 then 0
            else sum(case when {{ with_lines }} then net_revenue_usd end)
        end as net_revenue_usd,
        {% for column in ('gross_margin_usd', 'contribution_margin_usd', 'net_revenue_with_cost_usd') -%}
            case
                when sum(case when {{ with_lines }} then 1 else 0 end) = 0 then 0
                else sum(case when {{ with_lines }} then {{ column }} end)
            end as {{ column }},
        {% endfor -%}
        sum(lines_without_cost) as lines_without_cost,
        sum(lines_without_usd) as lines_without_usd
    from accounts
    group by account_group_id
),

-- a group whose refund lines all lack a USD amount has unknown refunds, not its other accounts'
-- 0 (decision log §5), and so an unknown return rate
account_groups as (
    select
        group_sums.*,
        {{ usd_total_of_lines(
            'group_sums.refunds_in_usd', 'group_sums.refund_lines', 'group_sums.refund_lines_without_usd'
        ) }} as refunded_revenue_usd
    from group_sums
)

select
    account_groups.account_group_id,
    top_account.customer_name as group_name,
    top_account.customer_segment as group_segment,
    top_account.country_code as group_country_code,
    top_account.profile_unknown_reason,
    cast(account_groups.accounts as bigint) as accounts,
    cast(account_groups.ordering_accounts as bigint) as ordering_accounts,
    account_groups.first_order_at,
    account_groups.last_order_at,
    cast(account_groups.orders as bigint) as orders,
    cast(account_groups.units as bigint) as units,
    cast(account_groups.gross_revenue_usd as {{ converted_money_type() }}) as gross_revenue_usd,
    cast(account_groups.net_sales_usd as {{ converted_money_type() }}) as net_sales_usd,
    cast(account_groups.refunded_revenue_usd as {{ converted_money_type() }}) as refunded_revenue_usd,
    cast(account_groups.net_revenue_usd as {{ converted_money_type() }}) as net_revenue_usd,
    cast(account_groups.gross_margin_usd as {{ converted_money_type() }}) as gross_margin_usd,
    cast(account_groups.contribution_margin_usd as {{ converted_money_type() }}) as contribution_margin_usd,
    cast(account_groups.net_revenue_with_cost_usd as {{ converted_money_type() }}) as net_revenue_with_cost_usd,
    cast(account_groups.lines_without_cost as bigint) as lines_without_cost,
    cast(account_groups.lines_without_usd as bigint) as lines_without_usd,
    cast(account_groups.refund_lines as bigint) as refund_lines,
    cast(account_groups.refund_lines_without_usd as bigint) as refund_lines_without_usd,
    {#- a rate over sums that leave a line out is unknown (decision log §5, as refunds_monthly) #}
    case
        when account_groups.lines_without_usd = 0
            then {{ safe_divide('account_groups.refunded_revenue_usd', 'account_groups.net_sales_usd') }}
    end as return_rate,
    {{ safe_divide('account_groups.net_sales_usd', 'account_groups.orders', 2) }} as average_order_value_usd
from account_groups
left join accounts as top_account on account_groups.account_group_id = top_account.customer_id
-- Stored by group id, so a lookup of one group reads only the row group holding it.
order by account_groups.account_group_id asc nulls last
