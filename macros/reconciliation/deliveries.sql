{#- The current delivery of each loaded file (a corrected file is read again under a new load id
    and replaces the earlier one): the reconciliation compares what that delivery held with
    what landed from it. Ignored and refused files hold nothing to compare. -#}
{% macro recon_latest_deliveries() -%}
    select file_name, feed, rows_in_file, dlt_load_id
    from (
        select
            deliveries.*,
            row_number() over (partition by file_name order by dlt_load_id desc nulls last) as recency
        from {{ ref('stg_raw__file_deliveries') }} as deliveries
        where deliveries.is_current
    ) as ranked
    where recency = 1 and delivery_status = 'loaded'
{%- endmacro %}

{#- The quarantined records of those latest deliveries (`latest` names the CTE above). -#}
{% macro recon_quarantine_of(latest) -%}
    select quarantine.*
    from {{ ref('stg_raw__quarantine') }} as quarantine
    inner join {{ latest }}
        on {{ latest }}.file_name = quarantine.file_name
        and {{ latest }}.dlt_load_id = quarantine.dlt_load_id
{%- endmacro %}
