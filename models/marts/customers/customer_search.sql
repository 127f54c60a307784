-- The customer search box's accounts: each account's id, name and group with the lowercase
-- forms the search matches (any case) and the accounts' order by name then id, precomputed so
-- that a search reads four narrow columns and sorts integers (search_order: 1 = first by name,
-- accounts without a name last), stored in that order.
-- Grain: one row per customer account (as customer_360).
with accounts as (
    select * from {{ ref('customer_360') }}
)

select
    customer_id,
    customer_name,
    account_group_id,
    lower(customer_id) as customer_id_lower,
    lower(customer_name) as customer_name_lower,
    cast(
        row_number() over (order by customer_name asc nulls last, customer_id asc nulls last) as bigint
    ) as search_order
from accounts
order by search_order asc
