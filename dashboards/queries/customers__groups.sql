-- The search box's account groups: those whose name or id holds the search text ($search, any
-- case), at most 50: an id equal to the text first, then names starting with it, then by name
-- and id.
select account_group_id, group_name, accounts
from {{ ref('customer_groups_360') }}
where
    contains(lower(group_name), lower($search))
    or contains(lower(account_group_id), lower($search))
order by
    lower(account_group_id) = lower($search) desc nulls last,
    starts_with(lower(group_name), lower($search)) desc nulls last,
    group_name asc nulls last,
    account_group_id asc nulls last
limit 50
