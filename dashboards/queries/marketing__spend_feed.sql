-- Whether the marketing_spend feed has ever been delivered (marts.feed_deliveries). Until it
-- has, the marketing mart holds no spend row, and spend, ROAS and CAC are unknown, not 0
-- (decision log §3).
select is_delivered
from {{ ref('feed_deliveries') }}
where feed = 'marketing_spend'
