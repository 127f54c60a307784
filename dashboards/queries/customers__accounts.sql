-- The search box's accounts: those whose name or id holds the search text ($search, any case),
-- at most 50: an id equal to the text first, then names starting with it, then by name and id
-- (marts.customer_search: the lowercase forms and the name-then-id order, precomputed).
select customer_id, customer_name, account_group_id
from {{ ref('customer_search') }}
where
    contains(customer_name_lower, lower($search))
    or contains(customer_id_lower, lower($search))
order by
    customer_id_lower = lower($search) desc nulls last,
    starts_with(customer_name_lower, lower($search)) desc nulls last,
    search_order asc
limit 50
