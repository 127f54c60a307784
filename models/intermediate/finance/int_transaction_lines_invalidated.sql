-- The delivered transaction lines whose built rows are out of date: the rebuild rule of decision
-- log §11, written once. Every model of the incremental chain (macro incremental_chain_models)
-- rebuilds exactly these lines, or the orders they belong to, and keeps everything else as it
-- was. A line is out of date when
--   its own inputs changed since the chain's watermark (the oldest newest-load of the chain's
--   models): it is new or delivered again, its SKU has a new cost or product version, its
--   customer a new version, or its date is on or after the earliest newly published FX rate;
--   a cost version or a rate it was built with is gone (a corrected file withdrew it): its SKU
--   was costed at a version (effective date, cost and currency) the cost feed no longer has, or
--   its date is on or after the earliest day whose rate, as the lines were converted (in their
--   own currency or their cost's), the rates no longer give;
--   the product or customer version it was joined to no longer covers its event time, or is gone:
--   a version the history took, or lost, after the line was built (a corrected file withdrew a
--   version no snapshot held; a warehouse built before the history read the staged records);
--   it was built from a delivery (file and load) that is no line's latest any more: a later
--   delivery was withdrawn (its file corrected without the line), so an earlier one counts again;
--   it is still unresolved in fct_transactions (no rate, no cost or no rate for the cost's
--   currency, an unknown member);
--   it is credited to a campaign the spend feed no longer holds (a corrected file dropped every
--   row of it): dim_campaign has lost its key;
--   it is a refund of a sale line out of date or gone, or an order-level refund of an order with
--   such a line (a refund takes its cost, and its split, from its sale lines); a line delivered
--   again under another order leaves the order it was built under out of date too (built_order_id);
--   it is no longer delivered (a corrected file dropped it): listed with is_delivered false, and
--   the chain deletes its rows.
-- A full refresh or a first build lists none: every chain model rebuilds all its lines and reads
-- no list. A chain partly built (a model dropped by hand) lists every delivered line. After a run
-- that stopped half way (a crash, a failing test: some chain models took up its list and others
-- did not, int_incremental_chain_builds_logged), the run also lists every line of that run's
-- list, carried forward: what listed them (a version or a rate withdrawn, a line moved) may be
-- gone from what the chain built by now; after a full rebuild that stopped half way (or chain
-- models rebuilt in full without the list), which listed none, every delivered line.
-- Raw loses rows only a whole delivery at a time (§13), so a line the fact holds and raw no longer
-- delivers was built from a delivery that left, and a delivered line the fact lacks is new since
-- the watermark or was built from a delivery that left: the rule reads the fact's few deliveries,
-- its unresolved lines, the rates and cost versions the lines were built with (grouped: a few
-- thousand rows) and the orders of the lines delivered again, never joins its 10M lines to the
-- delivered ones. A line lost any other way (a row deleted by hand) fails recon_completeness
-- instead. The cost versions and cost rates as built are int_sale_lines_costed's: a run that
-- rebuilt it and stopped before fct_transactions is caught up by carrying its list (decision
-- log §11, "A run that stopped half way").
-- lines and built are read several times, a few columns or rows each: inlined, not stored.
-- The incremental branch reads the new versions of masters, costs and rates, and the chain's build
-- log; dbt learns them here:
-- depends_on: {{ ref('stg_raw__cogs') }}, {{ ref('stg_raw__products') }}
-- depends_on: {{ ref('stg_raw__customers') }}, {{ ref('stg_raw__fx_rates') }}
-- depends_on: {{ ref('stg_raw__marketing_spend') }}, {{ ref('int_cogs_versions_ranged') }}
-- depends_on: {{ ref('int_fx_rates_filled') }}, {{ ref('dim_product') }}, {{ ref('dim_customer') }}
-- depends_on: {{ ref('int_incremental_chain_builds_logged') }}
{%- set chain = incremental_chain_state() %}
{%- set carried_list = carried_work_list('int_transaction_lines_invalidated') if chain is not none else none %}
with lines as {{ not_materialized() }} (
    select
        line_event_id,
        event_type,
        order_id,
        customer_id,
        sku,
        refunded_line_event_id,
        source_file,
        dlt_load_id,
        cast(event_at as date) as event_date
    from {{ ref('int_transaction_lines_deduplicated') }}
),

{% if chain is none %}
    final as (
        select
            line_event_id as delivered_line_event_id,
            order_id,
            customer_id,
            cast(null as {{ string_type(256) }}) as built_order_id,
            true as is_delivered
        from lines
        {%- if incremental_chain_rebuilt_in_full() %}
            -- no chain model reads the list: at 10M lines, 8 s saved, its key test included
            where false
        {%- endif %}
    )
{% else %}
    cost_versions as (
        select * from {{ ref('stg_raw__cogs') }}
    ),

    products_delivered as (
        select * from {{ ref('stg_raw__products') }}
    ),

    customers_delivered as (
        select * from {{ ref('stg_raw__customers') }}
    ),

    rates_delivered as (
        select * from {{ ref('stg_raw__fx_rates') }}
    ),

    cost_versions_now as (
        select * from {{ ref('int_cogs_versions_ranged') }}
    ),

    rates_now as (
        select * from {{ ref('int_fx_rates_filled') }}
    ),

    products_now as (
        select * from {{ ref('dim_product') }}
    ),

    customers_now as (
        select * from {{ ref('dim_customer') }}
    ),

    built as {{ not_materialized() }} (
        select * from {{ built_relation('fct_transactions') }}
    ),

    built_costs as {{ not_materialized() }} (
        select * from {{ built_relation('int_sale_lines_costed') }}
    ),

    -- the last run that built the list or a chain model, if it stopped before the whole chain
    stopped_half_way as (
        {{ last_run_stopped_half_way() }}
    ),
    {%- if carried_list is not none %}

        -- read by column: a list built by an earlier version may lack the later ones
        previous_list as (
            select * from {{ carried_list }}
        ),

        -- the list of the last run, when it stopped half way
        carried as (
            select
                previous_list.delivered_line_event_id,
                previous_list.order_id,
                previous_list.customer_id
            from previous_list
            where exists (select stopped_half_way.invocation_id from stopped_half_way)
        ),
    {%- endif %}

    watermark as (
        select
            coalesce(least(
                {%- for relation in chain %}
                    (select max(dlt_load_id) from {{ relation }}){% if not loop.last %},{% endif %}
                {%- endfor %}
            ), '') as dlt_load_id
    ),

    -- the deliveries (file and load) the fact was built from that no line's latest is any more: a
    -- later delivery was withdrawn (its file corrected without the line), so an earlier one
    -- counts again though nothing new delivered it; or every delivery of the line left
    deliveries_gone as (
        {{ deliveries_gone('built', 'lines') }}
    ),

    built_from_gone as (
        select
            built.delivered_line_event_id,
            max(built.order_id) as order_id,
            max(built.customer_id) as customer_id
        from built
        inner join deliveries_gone
            on built.source_file = deliveries_gone.source_file
                and built.dlt_load_id = deliveries_gone.dlt_load_id
        group by built.delivered_line_event_id
    ),

    unresolved as (
        select distinct built.delivered_line_event_id
        from built
        where {{ unresolved_line() }}
    ),

    campaigns_delivered as (
        select distinct campaign_id
        from {{ ref('stg_raw__marketing_spend') }}
        where campaign_id is not null
    ),

    -- built with a campaign's own key (not the none or unknown member) whose campaign is gone
    campaign_gone as (
        select distinct built.delivered_line_event_id
        from built
        where built.campaign_key not in ({{ no_campaign_key() }}, {{ unknown_key() }})
            and built.campaign_id not in (select campaigns_delivered.campaign_id from campaigns_delivered)
    ),

    changed_costs as (
        select distinct cost_versions.sku
        from cost_versions
        cross join watermark
        where cost_versions.dlt_load_id > watermark.dlt_load_id
    ),

    changed_products as (
        select distinct products_delivered.sku
        from products_delivered
        cross join watermark
        where products_delivered.dlt_load_id > watermark.dlt_load_id
    ),

    changed_customers as (
        select distinct customers_delivered.customer_id
        from customers_delivered
        cross join watermark
        where customers_delivered.dlt_load_id > watermark.dlt_load_id
    ),

    -- the SKUs and customers whose version as built (the key each line was joined to, with the
    -- span of its lines' event times) the history no longer has, or no longer has valid over that
    -- span: a version taken since (grouped: a few thousand products, a row per customer version)
    {%- for member, natural_key in [('product', 'sku'), ('customer', 'customer_id')] %}

        {{ member }}_versions_moved as (
            select distinct built_versions.{{ natural_key }}
            from (
                select
                    built.{{ member }}_key,
                    built.{{ natural_key }},
                    min(built.event_at) as first_event_at,
                    max(built.event_at) as last_event_at
                from built
                where built.{{ natural_key }} is not null
                group by built.{{ member }}_key, built.{{ natural_key }}
            ) as built_versions
            left join {{ member }}s_now on built_versions.{{ member }}_key = {{ member }}s_now.{{ member }}_key
            where {{ member }}s_now.{{ member }}_key is null
                or built_versions.first_event_at < {{ member }}s_now.valid_from
                or built_versions.last_event_at >= {{ member }}s_now.valid_to
        ),
    {%- endfor %}

    -- the SKUs costed at a version the cost feed no longer has as built: its row withdrawn, or a
    -- correction of its cost withdrawn so that an earlier delivery of it counts again; or that
    -- ends now before the last day costed at it: a version taken since (a run that left out
    -- int_cogs_versions_ranged costed them against the ranges as they were; a version's id holds
    -- its first day, so only its end moves)
    withdrawn_costs as (
        select distinct built_cost_versions.sku
        from (
            select
                built_costs.sku,
                built_costs.cogs_version_id,
                built_costs.unit_cost,
                built_costs.cost_currency_code,
                max(built_costs.event_date) as last_event_date
            from built_costs
            where built_costs.cogs_version_id is not null
            group by
                built_costs.sku, built_costs.cogs_version_id, built_costs.unit_cost, built_costs.cost_currency_code
        ) as built_cost_versions
        left join cost_versions_now
            on built_cost_versions.cogs_version_id = cost_versions_now.cogs_version_id
                and built_cost_versions.unit_cost = cost_versions_now.unit_cost
                and built_cost_versions.cost_currency_code = cost_versions_now.currency_code
        where cost_versions_now.cogs_version_id is null
            or built_cost_versions.last_event_date > cost_versions_now.effective_to
    ),

    -- the rates the lines were converted at, by currency and day: the lines' own and their costs'
    -- (a line without a rate is unresolved, and listed as such)
    built_rates as (
        select
            built.currency_code,
            built.event_date,
            built.rate_to_usd
        from built
        where built.rate_to_usd is not null
        group by built.currency_code, built.event_date, built.rate_to_usd
        union
        select
            built_costs.cost_currency_code as currency_code,
            built_costs.event_date,
            built_costs.cost_rate_to_usd as rate_to_usd
        from built_costs
        where built_costs.cost_rate_to_usd is not null
        group by built_costs.cost_currency_code, built_costs.event_date, built_costs.cost_rate_to_usd
    ),

    -- the earliest newly published rate, or the earliest day whose rate as built the rates no
    -- longer give (one withdrawn, another filled forward in its place or none)
    first_changed_rate as (
        select min(rate_date) as rate_date
        from (
            select rates_delivered.rate_date
            from rates_delivered
            cross join watermark
            where rates_delivered.dlt_load_id > watermark.dlt_load_id
            union all
            select built_rates.event_date as rate_date
            from built_rates
            left join rates_now
                on built_rates.currency_code = rates_now.currency_code
                    and built_rates.event_date = rates_now.date_day
            where rates_now.rate_to_usd is null or rates_now.rate_to_usd <> built_rates.rate_to_usd
        ) as changed_rates
    ),

    changed as (
        select
            lines.line_event_id,
            lines.order_id
        from lines
        cross join watermark
        where lines.dlt_load_id > watermark.dlt_load_id
            or lines.line_event_id in (select built_from_gone.delivered_line_event_id from built_from_gone)
            or lines.line_event_id in (select unresolved.delivered_line_event_id from unresolved)
            or lines.line_event_id in (select campaign_gone.delivered_line_event_id from campaign_gone)
            or lines.sku in (select changed_costs.sku from changed_costs)
            or lines.sku in (select withdrawn_costs.sku from withdrawn_costs)
            or lines.sku in (select changed_products.sku from changed_products)
            or lines.sku in (select product_versions_moved.sku from product_versions_moved)
            or lines.customer_id in (select changed_customers.customer_id from changed_customers)
            or lines.customer_id in (select customer_versions_moved.customer_id from customer_versions_moved)
            or lines.event_date >= (select first_changed_rate.rate_date from first_changed_rate)
            {%- if carried_list is not none %}
                or lines.line_event_id in (select carried.delivered_line_event_id from carried)
            {%- endif %}
            -- a full rebuild that stopped half way listed nothing: every line
            or exists (
                select stopped_half_way.invocation_id
                from stopped_half_way
                where stopped_half_way.is_full_rebuild
            )
    ),

    -- built from a delivery that left and not delivered now: every line of built_from_gone still
    -- delivered is in changed
    vanished as (
        select
            built_from_gone.delivered_line_event_id,
            built_from_gone.order_id,
            built_from_gone.customer_id
        from built_from_gone
        left join changed on built_from_gone.delivered_line_event_id = changed.line_event_id
        where changed.line_event_id is null
        {%- if carried_list is not none %}
            -- a carried line no longer delivered, which the fact may not hold (it was new); a
            -- left join, which builds on the few carried lines (not in: on all 10M, 0.5 s a day)
            union all
            select
                carried.delivered_line_event_id,
                carried.order_id,
                carried.customer_id
            from carried
            left join lines as delivered on carried.delivered_line_event_id = delivered.line_event_id
            where delivered.line_event_id is null
                and carried.delivered_line_event_id not in (
                    select built_from_gone.delivered_line_event_id from built_from_gone
                )
        {%- endif %}
    ),

    -- the order a changed line was built under, where it is delivered under another one now
    moved_from as (
        select
            built.delivered_line_event_id,
            max(built.order_id) as built_order_id
        from built
        inner join changed on built.delivered_line_event_id = changed.line_event_id
        where built.order_id <> changed.order_id
        group by built.delivered_line_event_id
    ),

    lines_out_of_date as (
        select changed.line_event_id from changed
        union all
        select vanished.delivered_line_event_id from vanished
    ),

    orders_out_of_date as (
        select changed.order_id from changed
        union all
        select vanished.order_id from vanished
        union all
        select moved_from.built_order_id from moved_from
    ),

    followers as (
        select lines.line_event_id
        from lines
        where lines.event_type = 'refund'
            and (
                lines.refunded_line_event_id in (select lines_out_of_date.line_event_id from lines_out_of_date)
                or (
                    lines.refunded_line_event_id is null
                    and lines.order_id in (select orders_out_of_date.order_id from orders_out_of_date)
                )
            )
    ),

    final as (
        select
            lines.line_event_id as delivered_line_event_id,
            lines.order_id,
            lines.customer_id,
            moved_from.built_order_id,
            true as is_delivered
        from lines
        left join moved_from on lines.line_event_id = moved_from.delivered_line_event_id
        where lines.line_event_id in (select changed.line_event_id from changed)
            or lines.line_event_id in (select followers.line_event_id from followers)
        union all
        select
            delivered_line_event_id,
            order_id,
            customer_id,
            cast(null as {{ string_type(256) }}) as built_order_id,
            false as is_delivered
        from vanished
    )
{% endif %}

select * from final
