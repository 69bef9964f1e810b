{#- Relations are named without their database in the file warehouse: a view that says
    "citywh"."raw"."x" breaks in the published copy (serving.duckdb, whose catalog is `serving`),
    while "raw"."x" resolves in whichever file holds the view. The lake is always attached as
    `citywh`, and dbt-duckdb's own database there is `memory`: there the names stay whole. -#}

{% macro ref() -%}
  {%- set relation = builtins.ref(*varargs, **kwargs) -%}
  {{ return(relation if target.name == 'ducklake' else relation.include(database=False)) }}
{%- endmacro %}

{% macro source() -%}
  {%- set relation = builtins.source(*varargs, **kwargs) -%}
  {{ return(relation if target.name == 'ducklake' else relation.include(database=False)) }}
{%- endmacro %}
