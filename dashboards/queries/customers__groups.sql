-- Every account group, for the search box (group name and id).
select account_group_id, group_name, accounts
from {{ ref('customer_groups_360') }}
order by group_name, account_group_id
