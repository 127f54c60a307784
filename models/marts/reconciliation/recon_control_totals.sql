-- 3. What the source claims per delivered file (row count, sums per currency) equals what was
-- delivered into the warehouse from that file: the rows that landed in raw plus the rows
-- quarantined, money included (a quarantined value is counted where it reads as a number; an
-- unreadable amount leaves a difference to resolve). Control totals are optional: a file
-- without claims is listed once as unverified (information, not a failure); a file with claims
-- is checked metric by metric; every claim must be about a file that was delivered.
{% set metrics = control_total_metrics() %}
with latest_delivery as (
    {{ recon_latest_deliveries() }}
),

quarantined as (
    {{ recon_quarantine_of('latest_delivery') }}
),

{% for feed, spec in metrics.items() -%}
    {%- set has_currency = spec.sums | selectattr(2) | list | length > 0 %}
    delivered_{{ feed }} as (
        select
            _source_file as file_name,
            {%- for column in spec.columns %}
                cast({{ column }} as numeric(28, 8)) as {{ column }},
            {%- endfor %}
            {{ 'currency' if has_currency else "'XXX' as currency" }}
        from {{ source('raw', feed) }}
        union all
        select
            file_name,
            {%- for column in spec.columns %}
                {{ text_to_decimal(json_text('raw_record', column)) }} as {{ column }},
            {%- endfor %}
            {{ json_text('raw_record', 'currency') if has_currency else "'XXX'" }} as currency
        from quarantined
        where feed = '{{ feed }}'
    ),

{% endfor -%}
-- each feed's rows summed in one pass, per file and currency (a feed without a currency: one
-- per file); the claims per file are sums of these
{% for feed, spec in metrics.items() -%}
    summed_{{ feed }} as (
        select
            file_name,
            currency,
            {% for metric, expression, is_money in spec.sums -%}
                sum({{ expression }}) as {{ metric }},
            {% endfor -%}
            count(*) as row_count
        from delivered_{{ feed }}
        group by file_name, currency
    ),

{% endfor -%}
found as (
    {% for feed, spec in metrics.items() -%}
        select
            file_name,
            'row_count' as metric,
            'XXX' as currency_code,
            cast(sum(row_count) as numeric(28, 6)) as metric_value
        from summed_{{ feed }}
        group by file_name
        {% for metric, expression, is_money in spec.sums -%}
            union all
            select
                file_name,
                '{{ metric }}' as metric,
                {{ 'currency' if is_money else "'XXX'" }} as currency_code,
                cast(coalesce(sum({{ metric }}), 0) as numeric(28, 6)) as metric_value
            from summed_{{ feed }}
            group by file_name{{ ', currency' if is_money else '' }}
        {% endfor -%}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the metrics found holds for each feed's files, and whether each is counted per currency
metrics_found as (
    {% for feed, spec in metrics.items() -%}
        select
            '{{ feed }}' as feed,
            'row_count' as metric,
            false as is_per_currency
        {% for metric, expression, is_money in spec.sums -%}
            union all
            select
                '{{ feed }}' as feed,
                '{{ metric }}' as metric,
                {{ 'true' if is_money else 'false' }} as is_per_currency
        {% endfor -%}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

claimed as (
    select
        file_name,
        metric,
        currency_code,
        claimed_value
    from {{ ref('stg_raw__control_totals') }}
),

claimed_files as (
    select distinct file_name
    from claimed
),

compared as (
    select
        coalesce(claimed.file_name, found.file_name) as file_name,
        coalesce(claimed.metric, found.metric) as metric,
        coalesce(claimed.currency_code, found.currency_code) as currency_code,
        claimed.claimed_value,
        -- a delivered file without rows of a metric its feed has (per currency where it is money)
        -- holds none of it: 0 found, not unknown (a corrected file may withdraw every row); a
        -- claim of anything else finds nothing
        case
            when found.metric_value is not null then found.metric_value
            when metrics_found.is_per_currency = (claimed.currency_code <> 'XXX') then 0
        end as found_value
    from claimed
    full outer join found
        on claimed.file_name = found.file_name
            and claimed.metric = found.metric
            and claimed.currency_code = found.currency_code
    left join latest_delivery on claimed.file_name = latest_delivery.file_name
    left join metrics_found
        on latest_delivery.feed = metrics_found.feed
            and claimed.metric = metrics_found.metric
),

delivered_without_claims as (
    select
        latest_delivery.file_name,
        latest_delivery.feed
    from latest_delivery
    left join claimed_files
        on latest_delivery.file_name = claimed_files.file_name
    where claimed_files.file_name is null and latest_delivery.feed <> 'control_totals'
),

claims_without_delivery as (
    select distinct claimed.file_name
    from claimed
    left join latest_delivery on claimed.file_name = latest_delivery.file_name
    where latest_delivery.file_name is null
)

select
    {{ recon_columns('control_totals', "'file'", "file_name || ' ' || metric",
        "case when currency_code = 'XXX' then null else currency_code end",
        'claimed_value', 'found_value',
        "'the source claims ' || metric || ' for the file; found: landed in raw + quarantined'",
        recon_beyond_tolerance('claimed_value', 'found_value')) }}
from compared
where
    {{ recon_differs('claimed_value', 'found_value') }}
    and file_name in (select latest_delivery.file_name from latest_delivery)
    and file_name in (select claimed.file_name from claimed)
union all
select
    {{ recon_columns('control_totals', "'file'", 'file_name', 'null', 'null', 'null',
        "'unverified: no control totals claim anything about this ' || feed || ' file (information, not a failure)'",
        'false') }}
from delivered_without_claims
union all
select
    {{ recon_columns('control_totals', "'file'", 'file_name', 'null', 'null', 'null',
        "'control totals claim a file that was never delivered'", 'true') }}
from claims_without_delivery
