-- 2. Nothing lost or double counted from delivery to mart.
-- a. per delivered file: records read = rows in raw from that file + rows quarantined (raw keeps
-- every file's rows, so a key a later file carried again is in both);
-- b. per currency, transactions in raw (the latest delivery of each line, ranked here) = the kept
-- latest deliveries (int_transaction_lines_deduplicated) = the costed sale and linked refund lines
-- (int_sale_lines_costed, int_refund_lines_linked) = fct_transactions, in
-- rows and in money (no fan-out at any layer, no currency lost or invented; the parts an order-level
-- refund is split into count as the one line delivered);
-- c. a sale line (order, line number) appears once;
-- d. every delivered file was read: a feed's latest read did not stop at a file the loader could
-- not read (it, and the feed's files behind it, are not loaded; a correction's earlier delivery
-- stays), nor refuse a link out of the source root (decision log §13);
-- e. raw holds no row of a load that has not completed (stopped part way: killed, its connection
-- lost; or still running), and no file whose new delivery was recorded but not yet put in place
-- of the earlier one (the load stopped between the two). The next load repairs both; until then
-- the marts may count part of a file, or a file twice, and the failures of other checks of the
-- build may be these rows' (decision log §13, "A build after a load that stopped part way").
{% set feeds = ['transactions', 'marketing_spend', 'cogs', 'products', 'customers', 'fx_rates', 'control_totals'] %}
{#- the next load repairs raw (recover), but one run while a load is running would delete that
    load's rows: the same words as loaders status (REPAIR) -#}
{% set load_again = 'if no load is running, run the same load again (the same --source and --destination, or '
    ~ 'make daily with the same SOURCE), then build; if one is, let it finish, then build' %}
with latest_delivery as (
    {{ recon_latest_deliveries() }}
),

completed_loads as (
    select dlt_load_id as load_id
    from {{ ref('stg_raw__loads') }}
    where load_status = 0
),

-- each raw table's rows per load, few groups: the loads no completed load names are unfinished
rows_per_load as (
    {% for table in feeds + ['quarantine', 'file_deliveries', 'feed_reads'] -%}
        select
            '{{ table }}' as raw_table,
            _dlt_load_id as dlt_load_id,
            count(*) as row_count
        from {{ source('raw', table) }}
        group by _dlt_load_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

unfinished_loads as (
    select
        rows_per_load.dlt_load_id,
        sum(rows_per_load.row_count) as row_count,
        {{ text_list("'raw.' || rows_per_load.raw_table || ' ' || cast(rows_per_load.row_count as varchar(20))",
            'rows_per_load.raw_table') }} as tables_held
    from rows_per_load
    left join completed_loads on rows_per_load.dlt_load_id = completed_loads.load_id
    where completed_loads.load_id is null
    group by rows_per_load.dlt_load_id
),

-- a file with two current deliveries, each of a completed load: the load that delivered it again
-- stopped before it replaced the earlier delivery's rows
unreplaced_deliveries as (
    select
        deliveries.file_name,
        max(deliveries.dlt_load_id) as newest_load_id,
        count(*) as current_deliveries
    from {{ ref('stg_raw__file_deliveries') }} as deliveries
    inner join completed_loads on deliveries.dlt_load_id = completed_loads.load_id
    where deliveries.is_current
    group by deliveries.file_name
    having count(*) > 1
),

landed as (
    {% for feed in feeds -%}
        select
            _source_file as file_name,
            count(*) as landed_rows
        from {{ source('raw', feed) }}
        group by _source_file
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantined as (
    select
        file_name,
        count(*) as quarantined_rows
    from ({{ recon_quarantine_of('latest_delivery') }}) as quarantine
    group by file_name
),

per_file as (
    select
        latest_delivery.file_name,
        latest_delivery.feed,
        latest_delivery.rows_in_file,
        coalesce(landed.landed_rows, 0) + coalesce(quarantined.quarantined_rows, 0) as accounted_rows
    from latest_delivery
    left join landed on latest_delivery.file_name = landed.file_name
    left join quarantined on latest_delivery.file_name = quarantined.file_name
),

layers as (
    select
        'raw' as layer,
        currency as currency_code,
        count(*) as line_count,
        sum(case when event_type = 'sale' then quantity * unit_price else 0 end) as goods,
        sum(coalesce(refund_amount, 0)) as refunds
    from (
        {{ dedupe_latest(source('raw', 'transactions'), 'line_event_id', delivery_order(), few_repeated_keys=true) }}
    ) as latest
    group by currency
    union all
    select
        'deduplicated' as layer,
        currency_code,
        count(*) as line_count,
        sum(case when event_type = 'sale' then quantity * unit_price else 0 end) as goods,
        sum(coalesce(refund_amount, 0)) as refunds
    from {{ ref('int_transaction_lines_deduplicated') }}
    group by currency_code
    union all
    select
        'intermediate' as layer,
        currency_code,
        {{ delivered_line_count() }} as line_count,
        sum(goods) as goods,
        sum(refunds) as refunds
    from (
        select
            currency_code,
            line_event_id,
            line_event_id as delivered_line_event_id,
            quantity * unit_price as goods,
            0 as refunds
        from {{ ref('int_sale_lines_costed') }}
        union all
        select
            currency_code,
            line_event_id,
            delivered_line_event_id,
            0 as goods,
            refund_amount as refunds
        from {{ ref('int_refund_lines_linked') }}
    ) as chain_lines
    group by currency_code
    union all
    select
        'mart' as layer,
        currency_code,
        {{ delivered_line_count() }} as line_count,
        sum(gross_revenue) as goods,
        sum(refunded_revenue) as refunds
    from {{ ref('fct_transactions') }}
    group by currency_code
),

raw_layer as (
    select * from layers
    where layer = 'raw'
),

later_layers as (
    select * from layers
    where layer <> 'raw'
),

layer_names as (
    select distinct layer from later_layers
),

-- every later layer against raw, per currency either side holds: a currency a layer lost, or
-- one it has and raw does not, counts as 0 on the side without it
compared as (
    select
        coalesce(later_layers.layer, layer_names.layer) as layer,
        coalesce(later_layers.currency_code, raw_layer.currency_code) as currency_code,
        coalesce(raw_layer.line_count, 0) as expected_lines,
        coalesce(later_layers.line_count, 0) as actual_lines,
        coalesce(raw_layer.goods, 0) as expected_goods,
        coalesce(later_layers.goods, 0) as actual_goods,
        coalesce(raw_layer.refunds, 0) as expected_refunds,
        coalesce(later_layers.refunds, 0) as actual_refunds
    from raw_layer
    cross join layer_names
    full outer join later_layers
        on raw_layer.currency_code = later_layers.currency_code
            and layer_names.layer = later_layers.layer
),

layer_checks as (
    select
        layer,
        currency_code,
        'lines' as measure,
        expected_lines as expected,
        actual_lines as actual
    from compared
    union all
    select
        layer,
        currency_code,
        'goods sold' as measure,
        expected_goods as expected,
        actual_goods as actual
    from compared
    union all
    select
        layer,
        currency_code,
        'goods refunded' as measure,
        expected_refunds as expected,
        actual_refunds as actual
    from compared
),

files_left_out as (
    select
        feed,
        rejected_file_name,
        rejection_reason,
        files_waiting,
        links_refused
    from {{ ref('feed_deliveries') }}
    where rejected_file_name is not null or links_refused > 0
),

repeated_lines as (
    select
        order_id,
        line_number,
        max(currency_code) as currency_code,
        count(*) as occurrences
    from {{ ref('fct_transactions') }}
    where event_type = 'sale'
    group by order_id, line_number
    having count(*) > 1
)

select
    {{ recon_columns('completeness', "'file'", 'file_name', 'null', 'rows_in_file', 'accounted_rows',
        "'records read from the file; found: rows in raw from it + rows quarantined (' || feed || ')'",
        'rows_in_file <> accounted_rows') }}
from per_file
where rows_in_file <> accounted_rows
union all
select
    {{ recon_columns('completeness', "'layer'", "layer || ': ' || measure", 'currency_code', 'expected', 'actual',
        "'transactions ' || measure || ' in raw; found in the ' || layer || ' layer'",
        recon_beyond_tolerance('expected', 'actual')) }}
from layer_checks
where {{ recon_differs('expected', 'actual') }}
union all
select
    {{ recon_columns('completeness', "'sale line'", "order_id || ' line ' || cast(line_number as varchar(16))",
        'currency_code', '1', 'occurrences', "'sale line counted more than once (different line event ids)'", 'true') }}
from repeated_lines
union all
select
    {{ recon_columns('completeness', "'file'", 'rejected_file_name', 'null', '1', '0',
        "'delivered, and rejected by the loader (' || rejection_reason || '): not loaded (an earlier delivery '
        || 'under its name, if any, stays in the marts), nor the ' || cast(files_waiting as varchar(16))
        || ' later file(s) of ' || feed || ' waiting behind it; fix or remove it and load again'", 'true') }}
from files_left_out
where rejected_file_name is not null
union all
select
    {{ recon_columns('completeness', "'feed'", 'feed', 'null', '0', 'links_refused',
        "'link(s) out of the source root refused at the latest read of ' || feed
        || ', not read: copy the files they lead to into the root, or remove them'", 'true') }}
from files_left_out
where links_refused > 0
union all
select
    {{ recon_columns('completeness', "'load'", "coalesce(dlt_load_id, '(no load id)')", 'null', '0', 'row_count',
        "'rows in raw of a load that has not completed (' || tables_held || '): the loader stopped part way '
        || '(killed, or its connection lost), or is still running; the marts count them, which may be part of a '
        || 'file or a second copy of one, so other failures of this build may be theirs: " ~ load_again ~ "'",
        'true') }}
from unfinished_loads
union all
select
    {{ recon_columns('completeness', "'file'", 'file_name', 'null', '1', 'current_deliveries',
        "'delivered again by load ' || newest_load_id || ', which stopped (or is still running) before the new '
        || 'delivery replaced the earlier one in raw: the marts count both, so other failures of this build may be '
        || 'theirs: "
        ~ load_again ~ "'", 'true') }}
from unreplaced_deliveries
