-- One row per feed per load: how far the load read the feed, the file it stopped at (if any)
-- and why, and the links it refused (decision log §13).
with source as (
    select * from {{ source('raw', 'feed_reads') }}
),

renamed as (
    select
        {{ surrogate_key(['feed', '_dlt_load_id']) }} as feed_read_id,
        feed,
        files_read,
        rejected_file_name,
        rejection_reason,
        files_waiting,
        links_refused,
        {{ to_utc_timestamp('read_at') }} as read_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
