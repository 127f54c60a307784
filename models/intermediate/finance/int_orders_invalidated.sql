-- The orders whose built rows are out of date (decision log §11): every order with a line in
-- int_transaction_lines_invalidated, and every order of the customers of those orders, as they
-- are delivered now and as they were built before, because a customer's first order is a
-- sequence over all of the customer's orders. An order with no sale line left is listed with
-- is_delivered false, and the order chain deletes it. A full build lists every order.
-- The incremental branch reads int_transaction_lines_invalidated; dbt learns it here:
-- depends_on: {{ ref('int_transaction_lines_invalidated') }}
{%- set chain = incremental_chain_state() %}
with orders as (
    select distinct
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
        from orders
    )
{% else %}
    invalidated_lines as (
        select * from {{ ref('int_transaction_lines_invalidated') }}
    ),

    built_orders as (
        select
            order_id,
            customer_id
        from {{ built_relation('int_sale_lines_aggregated_to_orders') }}
    ),

    touched_orders as (
        select distinct order_id from invalidated_lines
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

    out_of_date as (
        select touched_orders.order_id from touched_orders
        union
        select orders.order_id
        from orders
        where orders.customer_id in (select customers.customer_id from customers)
        union
        select built_orders.order_id
        from built_orders
        where built_orders.customer_id in (select customers.customer_id from customers)
    ),

    final as (
        select
            out_of_date.order_id,
            out_of_date.order_id in (select orders.order_id from orders) as is_delivered
        from out_of_date
    )
{% endif %}

select * from final
