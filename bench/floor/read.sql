-- The floor, step 1 of 2: every delivered file of every feed read into a raw table by DuckDB's
-- own CSV reader, typed as the feed contract says (docs/raw_feeds.md), with the file's path
-- (the delivery order: every file here arrives in one load, so the path decides, as in
-- delivery_order()). No checks, no quarantine, no dlt: this is what the loader is compared with.
-- `{{ source }}` is the delivery root; bench/bench_warehouse.py fills it in.

create table raw_transactions as
select * from read_csv(
    '{{ source }}/transactions/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {
        'line_event_id': 'varchar',
        'event_type': 'varchar',
        'order_id': 'varchar',
        'line_number': 'integer',
        'event_ts': 'timestamptz',
        'channel': 'varchar',
        'store_id': 'varchar',
        'currency': 'varchar',
        'customer_id': 'varchar',
        'sku': 'varchar',
        'quantity': 'integer',
        'unit_price': 'decimal(18, 2)',
        'line_discount': 'decimal(18, 2)',
        'line_tax': 'decimal(18, 2)',
        'shipping_charged': 'decimal(18, 2)',
        'shipping_cost': 'decimal(18, 2)',
        'platform_fee': 'decimal(18, 2)',
        'campaign_id': 'varchar',
        'order_total': 'decimal(18, 2)',
        'refunded_line_event_id': 'varchar',
        'refund_amount': 'decimal(18, 2)',
        'refund_reason': 'varchar',
        'restocked': 'boolean'
    }
);

create table raw_marketing_spend as
select * from read_csv(
    '{{ source }}/marketing_spend/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {
        'platform': 'varchar',
        'campaign_id': 'varchar',
        'campaign_name': 'varchar',
        'target_channel': 'varchar',
        'spend_date': 'date',
        'impressions': 'bigint',
        'clicks': 'bigint',
        'spend': 'decimal(18, 2)',
        'currency': 'varchar'
    }
);

create table raw_cogs as
select * from read_csv(
    '{{ source }}/cogs/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {'sku': 'varchar', 'effective_from': 'date', 'unit_cost': 'decimal(18, 4)', 'currency': 'varchar'}
);

create table raw_products as
select * from read_csv(
    '{{ source }}/products/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {
        'sku': 'varchar',
        'product_name': 'varchar',
        'category': 'varchar',
        'subcategory': 'varchar',
        'brand': 'varchar',
        'list_price': 'decimal(18, 2)',
        'status': 'varchar',
        'updated_at': 'timestamptz'
    }
);

create table raw_customers as
select * from read_csv(
    '{{ source }}/customers/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {
        'customer_id': 'varchar',
        'customer_name': 'varchar',
        'email': 'varchar',
        'country_code': 'varchar',
        'region': 'varchar',
        'segment': 'varchar',
        'loyalty_tier': 'varchar',
        'parent_customer_id': 'varchar',
        'created_at': 'timestamptz',
        'updated_at': 'timestamptz'
    }
);

create table raw_fx_rates as
select * from read_csv(
    '{{ source }}/fx_rates/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {'rate_date': 'date', 'currency': 'varchar', 'rate_to_usd': 'decimal(18, 8)'}
);

create table raw_control_totals as
select * from read_csv(
    '{{ source }}/control_totals/*/*.csv',
    header = true, delim = ',', quote = '"', escape = '"', filename = true, auto_detect = false,
    columns = {
        'file_name': 'varchar',
        'feed': 'varchar',
        'business_date': 'date',
        'metric': 'varchar',
        'currency': 'varchar',
        'value': 'decimal(28, 6)'
    }
);
