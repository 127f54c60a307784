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

{#- One row of flags: whether each optional feed has ever been delivered (a current, loaded file).
    A gap in a feed that was delivered fails the build; the same gap while the feed has never
    been delivered is unknown, listed as a warning (decision log §10). Cross join it as
    `delivered`. -#}
{% macro recon_delivered_feeds() -%}
    {%- set feeds = ['marketing_spend', 'cogs', 'products', 'customers', 'fx_rates', 'control_totals'] -%}
    select
        {% for feed in feeds -%}
        coalesce(max(case when feed = '{{ feed }}' then 1 else 0 end), 0) = 1 as {{ feed }}
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('stg_raw__file_deliveries') }}
    where is_current and delivery_status = 'loaded'
{%- endmacro %}

{#- The sentence a warning row carries when its feed was never delivered. -#}
{% macro recon_never_delivered(feed, what) -%}
    'the {{ feed }} feed has never been delivered: {{ what }} (a warning, not a failure)'
{%- endmacro %}

{#- Transaction lines as delivered, counted on a layer that has split order-level refunds into
    parts (one per sale line): every row counts, except that the parts of one refund count once.
    A row duplicated by a join still counts twice. -#}
{% macro delivered_line_count() -%}
    count(*)
    - sum(case when line_event_id <> delivered_line_event_id then 1 else 0 end)
    + count(distinct case when line_event_id <> delivered_line_event_id then delivered_line_event_id end)
{%- endmacro %}
