select *
from {{ ref('customer_360') }}
where customer_id = $customer_id
