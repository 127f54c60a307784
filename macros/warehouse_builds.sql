{#- The warehouse's build log (marts.warehouse_builds, decision log §16): one row per dbt
    invocation that changes what the warehouse holds, written by the project's run hooks, so a
    dashboard can say when the figures it shows are not one finished build's. -#}

{#- The dbt commands that change what the warehouse holds; only their invocations are logged. -#}
{% macro logged_build_commands() -%}
    {{ return(['build', 'run', 'seed', 'snapshot', 'retry']) }}
{%- endmacro %}

{#- The log's relation, or none: before its first build, or in a command that changes nothing. -#}
{% macro warehouse_build_log() -%}
    {%- if not execute or flags.WHICH not in logged_build_commands() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(built_relation('warehouse_builds')) }}
{%- endmacro %}

{#- The run's start (on-run-start): a row 'not finished', which only the run's end replaces, so a
    run that crashes or is killed leaves it. Nothing before the log's first build. -#}
{% macro log_warehouse_build_start() -%}
    {%- set log = warehouse_build_log() -%}
    {%- if log is not none -%}
        {{ warehouse_build_row(log, 'not finished') }}
    {%- endif -%}
{%- endmacro %}

{#- The run's end (on-run-end): its start row replaced by the finished one, with its nodes'
    outcome. The status, in this order: 'failed' when a node errored or a test failed (what
    depends on it was skipped), 'partial' when it built fewer models than the project has (a
    selection, or a command that builds none), 'complete' otherwise. -#}
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
        {%- set models = warehouse_models() -%}
        {%- set status = 'failed' if failed else ('partial' if models.selected < models.in_project else 'complete') -%}
        {%- set shown = failed[:5] | join(', ') ~ ((' and ' ~ (failed | length - 5) ~ ' more') if failed | length > 5 else '') -%}
        delete from {{ log }} where invocation_id = '{{ invocation_id }}';
        {{ warehouse_build_row(log, status, {
            'finished_at': modules.datetime.datetime.now(modules.pytz.utc),
            'nodes_run': nodes | length,
            'nodes_failed': failed | length,
            'nodes_skipped': skipped | length,
            'failed_nodes': shown[:1000] if failed else none,
        }) }}
    {%- endif -%}
{%- endmacro %}

{#- The models this invocation selected, and the models the project has. -#}
{% macro warehouse_models() -%}
    {%- set in_project = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | list | length -%}
    {%- set selected = [] -%}
    {%- for unique_id in selected_resources if unique_id.startswith('model.') -%}
        {%- do selected.append(unique_id) -%}
    {%- endfor -%}
    {{ return({'selected': selected | length, 'in_project': in_project}) }}
{%- endmacro %}

{#- One row of the log for this invocation; `finished` holds the end's columns (null at the start). -#}
{% macro warehouse_build_row(log, status, finished={}) -%}
    {%- set models = warehouse_models() -%}
    {%- set finished_at = finished.get('finished_at') -%}
    insert into {{ log }} (
        invocation_id, command, is_full_refresh, started_at, finished_at, models_selected,
        models_in_project, nodes_run, nodes_failed, nodes_skipped, failed_nodes, build_status
    )
    values (
        '{{ invocation_id }}',
        '{{ flags.WHICH }}',
        {{ 'true' if flags.FULL_REFRESH else 'false' }},
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp),
        {% if finished_at %}cast('{{ finished_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp){% else %}null{% endif %},
        {{ models.selected }},
        {{ models.in_project }},
        {{ finished.get('nodes_run', 'null') }},
        {{ finished.get('nodes_failed', 'null') }},
        {{ finished.get('nodes_skipped', 'null') }},
        {% if finished.get('failed_nodes') %}'{{ finished.failed_nodes | replace("'", "''") }}'{% else %}null{% endif %},
        '{{ status }}'
    )
{%- endmacro %}
