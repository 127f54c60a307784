-- One row per feed of the contract: what has been delivered of it, as the loader recorded it
-- (current deliveries: a file delivered again counts once, with its latest content). A feed never
-- delivered has a row too, with is_delivered false and no dates: unknown, not zero. The feed's
-- latest read says whether the loader stopped at a file it could not read, and which (decision
-- log §13): that file, and the files waiting behind it, are not loaded (a rejected correction
-- leaves the earlier delivery of its file).
{% set feeds = ['transactions', 'marketing_spend', 'cogs', 'products', 'customers', 'fx_rates', 'control_totals'] %}
with deliveries as (
    select * from {{ ref('stg_raw__file_deliveries') }}
    where is_current
),

reads as (
    select * from {{ ref('stg_raw__feed_reads') }}
),

latest_read as (
    select
        feed,
        rejected_file_name,
        rejection_reason,
        files_waiting,
        links_refused,
        read_at
    from (
        select
            *,
            row_number() over (partition by feed order by dlt_load_id desc nulls last) as read_rank
        from reads
    ) as ranked
    where read_rank = 1
),

feeds as (
    {% for feed in feeds -%}
        select '{{ feed }}' as feed
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

per_feed as (
    select
        feed,
        count(case when delivery_status = 'loaded' then 1 end) as files_loaded,
        count(case when delivery_status <> 'loaded' then 1 end) as files_not_loaded,
        sum(case when delivery_status = 'loaded' then rows_in_file else 0 end) as rows_in_files,
        sum(case when delivery_status = 'loaded' then rows_loaded else 0 end) as rows_loaded,
        sum(case when delivery_status = 'loaded' then rows_quarantined else 0 end) as rows_quarantined,
        min(case when delivery_status = 'loaded' then read_at end) as first_read_at,
        max(case when delivery_status = 'loaded' then read_at end) as last_read_at,
        max(case when delivery_status = 'loaded' then dlt_load_id end) as last_dlt_load_id
    from deliveries
    group by feed
)

select
    feeds.feed,
    coalesce(per_feed.files_loaded, 0) > 0 as is_delivered,
    cast(coalesce(per_feed.files_loaded, 0) as bigint) as files_loaded,
    cast(coalesce(per_feed.files_not_loaded, 0) as bigint) as files_not_loaded,
    cast(coalesce(per_feed.rows_in_files, 0) as bigint) as rows_in_files,
    cast(coalesce(per_feed.rows_loaded, 0) as bigint) as rows_loaded,
    cast(coalesce(per_feed.rows_quarantined, 0) as bigint) as rows_quarantined,
    per_feed.first_read_at,
    per_feed.last_read_at,
    per_feed.last_dlt_load_id,
    latest_read.read_at as last_feed_read_at,
    latest_read.rejected_file_name,
    latest_read.rejection_reason,
    cast(coalesce(latest_read.files_waiting, 0) as bigint) as files_waiting,
    cast(coalesce(latest_read.links_refused, 0) as bigint) as links_refused
from feeds
left join per_feed on feeds.feed = per_feed.feed
left join latest_read on feeds.feed = latest_read.feed
