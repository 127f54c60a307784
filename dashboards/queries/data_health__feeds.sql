-- What the marts show of each feed: the latest date it reached them (marts.feed_freshness), and
-- when the loader last read a file of it, and the file its latest read stopped at or the links it
-- refused (marts.feed_deliveries). Every feed of the contract has a row, control_totals too (no mart
-- carries it, and a file of it may be rejected); feeds no mart records a date of return null, and the
-- page says why.
with freshness as (
    select * from {{ ref('feed_freshness') }}
),

deliveries as (
    select * from {{ ref('feed_deliveries') }}
)

select
    deliveries.feed,
    freshness.latest_date,
    freshness.mart_rows,
    freshness.lines_missing,
    freshness.source_column as source,
    deliveries.last_read_at as last_load_at,
    deliveries.is_delivered,
    deliveries.rejected_file_name,
    deliveries.rejection_reason,
    deliveries.files_waiting,
    deliveries.links_refused
from deliveries
left join freshness on deliveries.feed = freshness.feed
order by freshness.feed_order asc nulls last, deliveries.feed asc
