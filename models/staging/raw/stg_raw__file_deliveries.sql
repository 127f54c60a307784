-- One row per file delivery the loader recorded: loaded, ignored (a format it does not read) or
-- refused (a link out of the source root). A file delivered again keeps its earlier records,
-- no longer current.
with source as (
    select * from {{ source('raw', 'file_deliveries') }}
),

renamed as (
    select
        {{ surrogate_key(['file_name', 'file_fingerprint', '_dlt_load_id']) }} as delivery_id,
        file_name,
        feed,
        file_format,
        file_size,
        file_fingerprint,
        coalesce(delivery_status, 'loaded') as delivery_status,
        status_reason,
        coalesce(is_current, true) as is_current,
        superseded_by_load_id,
        rows_in_file,
        rows_loaded,
        rows_quarantined,
        extra_columns,
        {{ to_utc_timestamp('read_at') }} as read_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
