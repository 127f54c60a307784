-- Every account, for the search box (name and id).
select customer_id, customer_name, account_group_id
from {{ ref('customer_360') }}
order by customer_name, customer_id
