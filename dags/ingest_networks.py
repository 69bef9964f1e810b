"""Airflow DAG ingest_networks: city-network rosters (C40, Covenant of Mayors, Eurocities, UNESCO
Creative Cities, Global Parliament of Mayors, ClimActor, Wikidata P463), weekly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "networks",
    {
        "c40_roster": "roster__c40",
        "covenant_of_mayors": "roster__covenant_of_mayors",
        "eurocities": "roster__eurocities",
        "unesco_creative_cities": "roster__unesco_creative_cities",
        "gpm_declaration": "roster__gpm_declaration",
        "climactor": "roster__climactor",
        "wikidata_members": "roster__wikidata_members",
    },
    schedule="@weekly",  # rosters change with each join or departure; weekly keeps the history fine-grained
    doc_md="""
### ingest_networks
Fetches every roster (or takes it from the offline bundle), parses it into the shared roster schema,
validates it with its GX checkpoint (`raw_roster__<source>`) and lands it. Wikidata P463 members are
fetched live only (CITYWH_FETCH=live) for registry networks with a QID. Each build snapshots the
memberships (SCD2), so a city leaving a network shows up in `fct_network_membership_history`.
ClimActor is non-commercial: its rows are flagged all the way to the marts.
""",
)
