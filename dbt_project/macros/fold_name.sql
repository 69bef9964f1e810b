{#- A place name folded for joining (accents, case, apostrophes, punctuation): the SQL twin of
    ingest.crosswalk.fold_expr, used where SQL joins names of one source to another's. -#}
{% macro fold_name(column) -%}
trim(regexp_replace(regexp_replace(
    replace(translate(strip_accents(lower({{ column }})), 'łøđıħ', 'lodih'), 'ß', 'ss'),
    '[''’‘`ʻʼ]', '', 'g'), '[^\p{L}\p{N}]+', ' ', 'g'))
{%- endmacro %}
