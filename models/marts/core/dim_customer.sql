-- SCD2 customer dimension: one row per account version, the customers snapshot's and those
-- delivered that it never held (decision log §7), with the account's group (top of its parent
-- chain, current relations), plus the unknown member that anonymous sales and unknown accounts
-- fall back to.
with versions as (
    {{ scd2_versions(ref('customers_snapshot'), ref('stg_raw__customers'), 'customer_id',
        ['customer_name', 'email', 'country_code', 'region', 'customer_segment', 'loyalty_tier',
        'parent_customer_id', 'created_at']) }}
),

groups as (
    select * from {{ ref('int_customers_grouped') }}
),

known as (
    select
        {{ surrogate_key(['versions.customer_id', 'versions.version_from']) }} as customer_key,
        versions.customer_id,
        versions.customer_name,
        versions.email,
        versions.country_code,
        versions.region,
        versions.customer_segment,
        versions.loyalty_tier,
        versions.parent_customer_id,
        coalesce(groups.account_group_id, versions.customer_id) as account_group_id,
        versions.created_at,
        versions.valid_from,
        versions.valid_to,
        versions.is_current
    from versions
    left join groups on versions.customer_id = groups.customer_id
),

unknown_member as (
    select
        {{ surrogate_key(["'unknown'"]) }} as customer_key,
        'unknown' as customer_id,
        'Unknown or anonymous customer' as customer_name,
        cast(null as {{ string_type(320) }}) as email,
        'unknown' as country_code,
        'unknown' as region,
        'unknown' as customer_segment,
        'unknown' as loyalty_tier,
        cast(null as {{ string_type(64) }}) as parent_customer_id,
        'unknown' as account_group_id,
        cast(null as timestamp) as created_at,
        cast('1900-01-01' as timestamp) as valid_from,
        cast('9999-12-31' as timestamp) as valid_to,
        true as is_current
)

select * from known
union all
select * from unknown_member
