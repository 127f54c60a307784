{#- The surrogate key of the dimension version valid at a fact's event time, or the unknown
    member's key. Expects the dimension joined as `alias` on its natural key and on
    valid_from <= event time < valid_to (see join_version_at). -#}
{% macro join_version_at(dimension, alias, natural_key, fact_key, event_at) -%}
    left join {{ dimension }} as {{ alias }}
        on {{ alias }}.{{ natural_key }} = {{ fact_key }}
        and {{ event_at }} >= {{ alias }}.valid_from
        and {{ event_at }} < {{ alias }}.valid_to
{%- endmacro %}

{#- The key of every dimension's unknown member: a natural key present on a fact that finds no
    version. -#}
{% macro unknown_key() -%}
    {{ surrogate_key(["'unknown'"]) }}
{%- endmacro %}

{#- The key of dim_campaign's 'none' member: an order no campaign is credited for (as opposed to
    the unknown member, a campaign id that finds no campaign). -#}
{% macro no_campaign_key() -%}
    {{ surrogate_key(["'none'"]) }}
{%- endmacro %}
