"""citywh ingestion: fetch -> snapshot -> parse -> validate -> land, then dbt build and publish."""

import os

# polars allocates with jemalloc, which by default keeps freed pages for ~10 s: parsing the 79 MB
# gazetteer left ~180 MB of them held through the landing and validation that follow. A
# background thread returns them after 200 ms, at no cost to parse time (decay 0 cost 30 %).
# Read once, when polars is first loaded: set here, before any module of ours imports it.
os.environ.setdefault("_RJEM_MALLOC_CONF", "background_thread:true,dirty_decay_ms:200,muzzy_decay_ms:0")
