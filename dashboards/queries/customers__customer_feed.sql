-- Whether the customers feed has ever been delivered (marts.feed_deliveries). Until it has,
-- customer_360 and customer_groups_360 hold the accounts the transactions name, their attributes
-- unknown (profile_unknown_reason): the page says why (decision log §8).
select is_delivered
from {{ ref('feed_deliveries') }}
where feed = 'customers'
