select *
from {{ ref('customer_groups_360') }}
where account_group_id = $account_group_id
