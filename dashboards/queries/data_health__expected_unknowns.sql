-- Unknown-member rows that are expected (anonymous sales, orders without a campaign).
select *
from {{ ref('reconciliation_expected_unknowns') }}
