{#- The sums the control totals claim, per feed: the numeric columns they read and, per metric,
    its expression and whether it is money (summed per currency). The same definitions as
    loaders/contracts.py CONTROL_SUMS and MONEY_METRICS; tests/python/test_reconciliation.py
    checks that the two agree. -#}
{% macro control_total_metrics() -%}
    {{ return({
        'transactions': {
            'columns': ['quantity', 'unit_price', 'line_discount', 'line_tax', 'shipping_charged',
                        'shipping_cost', 'platform_fee', 'order_total', 'refund_amount'],
            'sums': [
                ('sum_quantity', 'quantity', false),
                ('sum_extended_price', 'quantity * unit_price', true),
                ('sum_line_discount', 'line_discount', true),
                ('sum_line_tax', 'line_tax', true),
                ('sum_shipping_charged', 'shipping_charged', true),
                ('sum_shipping_cost', 'shipping_cost', true),
                ('sum_platform_fee', 'platform_fee', true),
                ('sum_order_total', 'order_total', true),
                ('sum_refund_amount', 'refund_amount', true),
            ],
        },
        'marketing_spend': {
            'columns': ['impressions', 'clicks', 'spend'],
            'sums': [
                ('sum_impressions', 'impressions', false),
                ('sum_clicks', 'clicks', false),
                ('sum_spend', 'spend', true),
            ],
        },
        'cogs': {'columns': ['unit_cost'], 'sums': [('sum_unit_cost', 'unit_cost', true)]},
        'products': {'columns': ['list_price'], 'sums': [('sum_list_price', 'list_price', false)]},
        'customers': {'columns': [], 'sums': []},
        'fx_rates': {'columns': ['rate_to_usd'], 'sums': [('sum_rate_to_usd', 'rate_to_usd', false)]},
    }) }}
{%- endmacro %}
