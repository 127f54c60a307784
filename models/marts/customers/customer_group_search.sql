-- The customer search box's account groups: each group's id, name and size with the lowercase
-- forms the search matches (any case) and the groups' order by name then id, precomputed so
-- that a search reads four narrow columns and sorts integers (search_order: 1 = first by name,
-- groups without a name last), stored in that order.
-- Grain: one row per account group (as customer_groups_360).
with account_groups as (
    select * from {{ ref('customer_groups_360') }}
)

select
    account_group_id,
    group_name,
    accounts,
    lower(account_group_id) as account_group_id_lower,
    lower(group_name) as group_name_lower,
    cast(
        row_number() over (order by group_name asc nulls last, account_group_id asc nulls last) as bigint
    ) as search_order
from account_groups
order by search_order asc
