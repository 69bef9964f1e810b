{# Marts land in `main` so analysts query `country_indicators` unqualified; staging and
   intermediate views get their own schemas instead of dbt's default `main_staging`. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
