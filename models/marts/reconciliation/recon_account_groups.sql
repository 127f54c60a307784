-- 12. Account relations: no parent chain is cyclic or ends at an account that does not exist,
-- and every account belongs to exactly one top-level group whose top has no parent.
with accounts as (
    select
        customer_id,
        parent_customer_id
    from {{ ref('int_customers_deduplicated') }}
),

grouped as (
    select * from {{ ref('int_customers_grouped') }}
),

memberships as (
    select
        accounts.customer_id,
        count(grouped.customer_id) as group_count
    from accounts
    left join grouped on accounts.customer_id = grouped.customer_id
    group by accounts.customer_id
)

select
    {{ recon_columns('account_groups', "'account'", 'customer_id', 'null', 'null', 'null',
        "'the parent chain of the account is cyclic (walk stopped at ' || account_group_id || ')'", 'true') }}
from grouped
where has_parent_cycle
union all
select
    {{ recon_columns('account_groups', "'account'", 'customer_id', 'null', 'null', 'null',
        "'the parent chain ends at a parent id that is not an account'", 'true') }}
from grouped
where has_unknown_parent
union all
select
    {{ recon_columns('account_groups', "'account'", 'customer_id', 'null', '1', 'group_count',
        "'groups the account belongs to'", 'true') }}
from memberships
where group_count <> 1
