-- One row per load dlt recorded (its load log, raw._dlt_loads), written once every table of the
-- load is: a raw row whose load id is not here with status 0 is of a load that stopped part way,
-- or is still running (decision log §13).
with source as (
    select * from {{ source('raw', '_dlt_loads') }}
),

renamed as (
    select
        load_id as dlt_load_id,
        schema_name as dlt_schema_name,
        status as load_status,
        {{ to_utc_timestamp('inserted_at') }} as recorded_at,
        schema_version_hash as dlt_schema_version_hash
    from source
)

select * from renamed
