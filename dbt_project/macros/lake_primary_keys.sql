{#- DuckLake has no PRIMARY KEY/UNIQUE constraints. On the `ducklake` target the marts' declared
    primary keys are left out of the table's DDL, and checked instead right after the table is
    built (lake_primary_key_check, a post-hook): a duplicate key fails the model, as the
    constraint does in the DuckDB file. -#}

{% macro duckdb__get_table_columns_and_constraints() -%}
  {%- if target.name != 'ducklake' -%}
    {{ return(table_columns_and_constraints()) }}
  {%- endif -%}
  {%- set raw_column_constraints = adapter.render_raw_columns_constraints(raw_columns=model['columns']) -%}
  {%- set kept = model['constraints'] | rejectattr('type', 'in', ['primary_key', 'unique']) | list -%}
  {%- set raw_model_constraints = adapter.render_raw_model_constraints(raw_constraints=kept) -%}
  (
  {% for c in raw_column_constraints -%}
    {{ c }}{{ "," if not loop.last or raw_model_constraints }}
  {% endfor %}
  {% for c in raw_model_constraints -%}
    {{ c }}{{ "," if not loop.last }}
  {% endfor -%}
  )
{%- endmacro %}

{% macro lake_primary_key_check() -%}
  {%- if target.name == 'ducklake' -%}
    {%- for constraint in model.get('constraints', []) if constraint.type in ('primary_key', 'unique') -%}
      {%- set key = constraint.columns | join(', ') -%}
      select error('duplicate {{ constraint.type }} ({{ key }}) in {{ this }}: ' || count(*) || ' keys repeat')
      from (select {{ key }} from {{ this }} group by all having count(*) > 1)
      having count(*) > 0;
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}
