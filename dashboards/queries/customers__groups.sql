-- The search box's account groups: those whose name or id holds the search text ($search, any
-- case), at most 50: an id equal to the text first, then names starting with it, then by name
-- and id (marts.customer_group_search: the lowercase forms and the name-then-id order,
-- precomputed).
select account_group_id, group_name, accounts
from {{ ref('customer_group_search') }}
where
    contains(group_name_lower, lower($search))
    or contains(account_group_id_lower, lower($search))
order by
    account_group_id_lower = lower($search) desc nulls last,
    starts_with(group_name_lower, lower($search)) desc nulls last,
    search_order asc
limit 50
