-- The page's bounds: the days the transactions feed covers (the P&L's days without a
-- transactions_unknown_reason: the mart's rule, macros/transactions_feed_dates.sql), and the
-- channels the P&L holds. A day of the P&L outside them has spend but no known
-- revenue (the feed does not speak for it: decision log §3), so a period reaching it reads
-- unknown, not revenue 0 (found by a helper's audit, 2026-12-07: an export starting ten days after
-- the spend feed read contribution after marketing -22,449 USD and ROAS 0.42x).
select
    min(case when transactions_unknown_reason is null then date_day end) as first_date,
    max(case when transactions_unknown_reason is null then date_day end) as last_date,
    list(distinct channel order by channel) as channels
from {{ ref('pnl_daily_by_channel') }}
