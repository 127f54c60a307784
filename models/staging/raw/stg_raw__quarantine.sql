-- One row per rejected record per delivery (a re-delivered file's rejects appear again with
-- the new load id).
with source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        {{ surrogate_key(['feed', 'file_name', 'row_number', '_dlt_load_id']) }} as quarantine_record_id,
        feed,
        file_name,
        row_number as file_row_number,
        column_name,
        reason,
        raw_value,
        raw_record,
        _dlt_load_id as dlt_load_id
    from source
)

select * from renamed
