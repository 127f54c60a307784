-- Every customer account resolved to the top of its parent chain (its account group), at any
-- depth. The walk stops at an account already on the path, so a cyclic chain ends and is
-- flagged instead of looping; a parent id that is not an account ends the chain and is flagged.
-- Materialised as a table: Redshift's late-binding views cannot hold a recursive CTE.
with recursive accounts as (
    select
        customer_id,
        parent_customer_id
    from {{ ref('stg_raw__customers') }}
),

chain (customer_id, node_id, depth, path) as (
    select
        customer_id,
        customer_id as node_id,
        0 as depth,
        cast('/' || customer_id || '/' as varchar(4096)) as path
    from accounts
    union all
    select
        chain.customer_id,
        accounts.parent_customer_id,
        chain.depth + 1,
        cast(chain.path || accounts.parent_customer_id || '/' as varchar(4096))
    from chain
    inner join accounts on chain.node_id = accounts.customer_id
    inner join accounts as parents on accounts.parent_customer_id = parents.customer_id
    where strpos(chain.path, '/' || accounts.parent_customer_id || '/') = 0
),

ends as (
    select
        customer_id,
        node_id,
        depth,
        path,
        row_number() over (partition by customer_id order by depth desc nulls last) as from_top
    from chain
),

top_nodes as (
    select
        ends.customer_id,
        ends.node_id as account_group_id,
        ends.depth as depth_below_group,
        ends.path,
        accounts.parent_customer_id as top_parent_id
    from ends
    inner join accounts on ends.node_id = accounts.customer_id
    where ends.from_top = 1
)

select
    top_nodes.customer_id,
    top_nodes.account_group_id,
    top_nodes.depth_below_group,
    (
        top_nodes.top_parent_id is not null
        and strpos(top_nodes.path, '/' || top_nodes.top_parent_id || '/') > 0
    ) as has_parent_cycle,
    (
        top_nodes.top_parent_id is not null
        and strpos(top_nodes.path, '/' || top_nodes.top_parent_id || '/') = 0
    ) as has_unknown_parent
from top_nodes
