-- Whether the customers feed has ever been delivered (marts.feed_deliveries). Until it has,
-- customer_360 and customer_groups_360 hold no account (they are built on the customer master):
-- a search that finds nothing then says why, not that no account matches (decision log §3).
select is_delivered
from {{ ref('feed_deliveries') }}
where feed = 'customers'
