-- The orders whose built rows are out of date (decision log §11): every order with a line in
-- int_transaction_lines_invalidated, or that such a line was built under ("touched"), and of each
-- customer of a touched order (as delivered now and as built before) the orders whose
-- first-order flag can change. That is the
-- customer's first order as built, when it is untouched: no untouched order can come before it,
-- so the first order now is it or a touched order, both listed. When that first order is itself
-- touched (or the customer has none), any order can be first now: all of the customer's orders
-- are listed. So the list holds each touched customer's first order, and ranking the listed
-- orders alone finds it. An order with no sale line left is listed with is_delivered false, and
-- the order chain deletes it. A full refresh or a first build lists none (no order model reads
-- the list); a chain partly built lists every order. After a run that stopped half way, the
-- orders of its list are listed again (carried forward, as the lines are:
-- int_transaction_lines_invalidated), and after a full rebuild that stopped half way every order
-- fct_orders holds (so one no line is delivered for any more is deleted).
-- The incremental branch reads int_transaction_lines_invalidated and the chain's build log; dbt
-- learns them here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
-- depends_on: {{ ref('int_incremental_chain_builds_logged') }}
{%- set chain = incremental_chain_state() %}
{%- set carried_list = carried_work_list('int_orders_invalidated') if chain is not none else none %}
-- read a few orders at a time below, and never made distinct whole (5M orders of 10M lines)
with sale_lines as {{ not_materialized() }} (
    select
        order_id,
        customer_id
    from {{ ref('int_transaction_lines_deduplicated') }}
    where event_type = 'sale'
),

{% if chain is none %}
    final as (
        select distinct
            order_id,
            true as is_delivered
        from sale_lines
        {%- if incremental_chain_rebuilt_in_full() %}
            -- no order model reads the list
            where false
        {%- endif %}
    )
{% else %}
    invalidated_lines as (
        select * from {{ ref('int_transaction_lines_invalidated') }}
    ),

    built_orders as (
        select
            order_id,
            customer_id,
            is_first_order
        from {{ built_relation('fct_orders') }}
    ),

    -- the last run that built the list or a chain model, if it stopped before the whole chain
    stopped_half_way as (
        {{ last_run_stopped_half_way() }}
    ),
    {%- if carried_list is not none %}

        previous_list as (
            select * from {{ carried_list }}
        ),

        -- the list of the last run, when it stopped half way
        carried as (
            select previous_list.order_id
            from previous_list
            where exists (select stopped_half_way.invocation_id from stopped_half_way)
        ),
    {%- endif %}

    -- the orders of the listed lines, and the orders they were built under where they moved
    touched_orders as (
        select invalidated_lines.order_id from invalidated_lines
        union
        select invalidated_lines.built_order_id
        from invalidated_lines
        where invalidated_lines.built_order_id is not null
    ),

    customers as (
        select invalidated_lines.customer_id
        from invalidated_lines
        where invalidated_lines.customer_id is not null
        union
        select built_orders.customer_id
        from built_orders
        where built_orders.customer_id is not null
            and built_orders.order_id in (select touched_orders.order_id from touched_orders)
    ),

    -- each customer's first order as built, where it is untouched: it stays first unless a
    -- touched order (listed anyway) now comes before it
    kept_first_orders as (
        select
            built_orders.order_id,
            built_orders.customer_id
        from built_orders
        where built_orders.is_first_order
            and built_orders.customer_id in (select customers.customer_id from customers)
            and built_orders.order_id not in (
                select touched_orders.order_id
                from touched_orders
                where touched_orders.order_id is not null
            )
    ),

    -- customers whose first order as built is touched, or who have none: any order may be first
    customers_ranked_again as (
        select customers.customer_id
        from customers
        where customers.customer_id not in (select kept_first_orders.customer_id from kept_first_orders)
    ),

    out_of_date as (
        select touched_orders.order_id from touched_orders
        {%- if carried_list is not none %}
            union
            select carried.order_id from carried
        {%- endif %}
        union
        -- a full rebuild that stopped half way listed nothing: every order built. An equi-join
        -- on the flag, so a run after one that finished reads none of the 5M orders (a filter on
        -- exists (...) read them all: 0.3 s a new day at 10M lines)
        select built_orders.order_id
        from built_orders
        inner join stopped_half_way
            on (built_orders.order_id is not null) = stopped_half_way.is_full_rebuild
        union
        select kept_first_orders.order_id from kept_first_orders
        union
        select sale_lines.order_id
        from sale_lines
        where sale_lines.customer_id in (select customers_ranked_again.customer_id from customers_ranked_again)
        union
        select built_orders.order_id
        from built_orders
        where built_orders.customer_id in (
                select customers_ranked_again.customer_id from customers_ranked_again
            )
    ),

    delivered_out_of_date as (
        select distinct sale_lines.order_id
        from sale_lines
        where sale_lines.order_id in (select out_of_date.order_id from out_of_date)
    ),

    final as (
        select
            out_of_date.order_id,
            delivered_out_of_date.order_id is not null as is_delivered
        from out_of_date
        left join delivered_out_of_date on out_of_date.order_id = delivered_out_of_date.order_id
    )
{% endif %}

select * from final
