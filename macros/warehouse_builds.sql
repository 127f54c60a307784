{#- The warehouse's build log (marts.warehouse_builds, decision log §16): one row per dbt
    invocation that changes what the warehouse holds, written by the project's run hooks, so a
    dashboard can say when the figures it shows are not one finished, complete build's. -#}

{#- The dbt commands that change what the warehouse holds; only their invocations are logged
    (dbt retry runs as the command it retries, with no selection of its own). -#}
{% macro logged_build_commands() -%}
    {{ return(['build', 'run', 'seed', 'snapshot']) }}
{%- endmacro %}

{#- The log's relation, or none: before its first build, or in a command that changes nothing. -#}
{% macro warehouse_build_log() -%}
    {%- if not execute or flags.WHICH not in logged_build_commands() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(built_relation('warehouse_builds')) }}
{%- endmacro %}

{#- The run's start (on-run-start): a row 'not finished', which only the run's end updates, so a
    run that crashes or is killed leaves it. Nothing before the log's first build. -#}
{% macro log_warehouse_build_start() -%}
    {%- set log = warehouse_build_log() -%}
    {%- if log is not none -%}
        {%- set row = warehouse_build_row('not finished') -%}
        insert into {{ log }} ({{ row.keys() | join(', ') }})
        values ({{ row.values() | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{#- The run's end (on-run-end, which dbt runs after failures too): the start row updated with the
    outcome, in one statement; inserted when there is none (the log's first build). The status,
    in this order: 'failed' when a node errored or a test failed (what depends on it was
    skipped), 'partial' when it selected fewer of the project's models, seeds, snapshots and data
    tests than the project has (a selection, a command that runs only some kinds, --empty), and
    'complete' otherwise. Unit tests check the code, not the data, and are not counted. -#}
{% macro log_warehouse_build_end(results) -%}
    {%- set log = warehouse_build_log() -%}
    {%- if log is not none -%}
        {%- set failed = [] -%}
        {%- set skipped = [] -%}
        {%- set nodes = [] -%}
        {%- for result in results if result.node.resource_type != 'operation' -%}
            {%- do nodes.append(result.node.name) -%}
            {%- if result.status in ['error', 'fail', 'runtime error'] -%}
                {%- do failed.append(result.node.name) -%}
            {%- elif result.status == 'skipped' -%}
                {%- do skipped.append(result.node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set counts = warehouse_build_counts() -%}
        {%- set status = 'failed' if failed else ('partial' if counts.nodes_selected < counts.nodes_in_project else 'complete') -%}
        {%- set shown = failed[:5] | join(', ') ~ ((' and ' ~ (failed | length - 5) ~ ' more') if failed | length > 5 else '') -%}
        {%- set finished_at = modules.datetime.datetime.now(modules.pytz.utc) -%}
        {%- set row = warehouse_build_row(status, counts, {
            'finished_at': "cast('" ~ finished_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)",
            'nodes_run': nodes | length,
            'nodes_failed': failed | length,
            'nodes_skipped': skipped | length,
            'failed_nodes': ("'" ~ (shown[:1000] | replace("'", "''")) ~ "'") if failed else 'null',
        }) -%}
        update {{ log }}
        set
            {%- for column, value in row.items() if column != 'invocation_id' %}
                {{ column }} = {{ value }}{{ ',' if not loop.last }}
            {%- endfor %}
        where invocation_id = {{ row.invocation_id }};
        insert into {{ log }} ({{ row.keys() | join(', ') }})
        select {{ row.values() | join(', ') }}
        where not exists (select 1 from {{ log }} where invocation_id = {{ row.invocation_id }})
    {%- endif -%}
{%- endmacro %}

{#- What this invocation selected and what the project has: models, and the nodes that make a
    whole build (models, seeds, snapshots, data tests). An --empty run builds no rows: it counts
    as selecting none. -#}
{% macro warehouse_build_counts() -%}
    {%- set kinds = ['model', 'seed', 'snapshot', 'test'] -%}
    {%- set counts = {'models_selected': 0, 'models_in_project': 0, 'nodes_selected': 0, 'nodes_in_project': 0} -%}
    {%- for node in graph.nodes.values() if node.resource_type in kinds -%}
        {%- do counts.update({'nodes_in_project': counts.nodes_in_project + 1}) -%}
        {%- if node.resource_type == 'model' -%}
            {%- do counts.update({'models_in_project': counts.models_in_project + 1}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for unique_id in selected_resources if unique_id.split('.')[0] in kinds and not flags.EMPTY -%}
        {%- do counts.update({'nodes_selected': counts.nodes_selected + 1}) -%}
        {%- if unique_id.startswith('model.') -%}
            {%- do counts.update({'models_selected': counts.models_selected + 1}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(counts) }}
{%- endmacro %}

{#- One row of the log for this invocation, column: SQL value; `finished` holds the end's columns
    (null at the start). -#}
{% macro warehouse_build_row(status, counts=none, finished={}) -%}
    {%- set counts = counts or warehouse_build_counts() -%}
    {{ return({
        'invocation_id': "'" ~ invocation_id ~ "'",
        'command': "'" ~ flags.WHICH ~ "'",
        'is_full_refresh': 'true' if flags.FULL_REFRESH else 'false',
        'started_at': "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)",
        'finished_at': finished.get('finished_at', 'null'),
        'models_selected': counts.models_selected,
        'models_in_project': counts.models_in_project,
        'nodes_selected': counts.nodes_selected,
        'nodes_in_project': counts.nodes_in_project,
        'nodes_run': finished.get('nodes_run', 'null'),
        'nodes_failed': finished.get('nodes_failed', 'null'),
        'nodes_skipped': finished.get('nodes_skipped', 'null'),
        'failed_nodes': finished.get('failed_nodes', 'null'),
        'build_status': "'" ~ status ~ "'",
    }) }}
{%- endmacro %}
