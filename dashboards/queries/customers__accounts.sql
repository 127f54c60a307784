-- The search box's accounts: those whose name or id holds the search text ($search, any case),
-- at most 50: an id equal to the text first, then names starting with it, then by name and id.
select customer_id, customer_name, account_group_id
from {{ ref('customer_360') }}
where
    contains(lower(customer_name), lower($search))
    or contains(lower(customer_id), lower($search))
order by
    lower(customer_id) = lower($search) desc nulls last,
    starts_with(lower(customer_name), lower($search)) desc nulls last,
    customer_name asc nulls last,
    customer_id asc nulls last
limit 50
