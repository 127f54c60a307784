-- What the marts show of each feed: the latest date it reached them (marts.feed_freshness), and
-- when the loader last read a file of it, and the file its latest read stopped at or the links it
-- refused (marts.feed_deliveries). Feeds no mart records a date of return null; the page says why.
with freshness as (
    select * from {{ ref('feed_freshness') }}
),

deliveries as (
    select * from {{ ref('feed_deliveries') }}
)

select
    freshness.feed,
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
from freshness
left join deliveries on freshness.feed = deliveries.feed
order by freshness.feed_order
