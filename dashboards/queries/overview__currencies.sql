-- Store currencies an order was placed in: the local currencies the Overview can show.
select list(distinct currency_code order by currency_code) as currencies
from {{ ref('orders_daily') }}
