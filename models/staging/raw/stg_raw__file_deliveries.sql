-- One row per file delivery read by the loader.
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
        rows_in_file,
        rows_loaded,
        rows_quarantined,
        extra_columns,
        {{ to_utc_timestamp('read_at') }} as read_at,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
