"""citywh report: one self-contained HTML page built from the serving file - the influence
ranking, the reach of the networks whose rosters we hold, chosen cities' cooperation networks, and
where every number comes from (snapshots, licences).

Charts are Altair (Vega-Lite) specs; the Vega, Vega-Lite and vega-embed JavaScript is inlined
from vl-convert's bundle, so the file opens offline, from disk, with no server and no CDN."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import polars as pl

from ingest.errors import CitywhError

DEFAULT_CITIES = (("Yokohama", "JP"), ("Taipei", "TW"))
TOP_N = 25
TEMPLATE = Path(__file__).with_name("report.html.jinja")

# The index's components, each on 0-1, in the order the chart shows them.
COMPONENTS = {
    "influence_score": "Influence score",
    "network_reach_proportional": "Network reach",
    "sister_city_pagerank": "Sister-city PageRank",
    "demographic_score": "Demographic score",
    "economic_score": "Economic score",
}
# One colour per relation type in every city's chart, so two cities read alike.
RELATION_COLOURS = {"sister": "#1f77b4", "friendship": "#2ca02c", "partner": "#ff7f0e",
                    "cooperation": "#9467bd", "unspecified": "#b0b0b0"}

RANKING_SQL = f"""
    select global_rank, rank_best, rank_worst, city_name, country_iso2, {', '.join(COMPONENTS)}, membership_count,
           sister_city_degree, population, gdp_usd, gdp_is_estimated
    from city_influence order by global_rank, city_name limit {TOP_N}"""

# Current members of the networks whose full roster we hold ('held'; not the compilations), one
# point per city and network; the biggest network first, so the smaller ones are drawn on top.
REACH_SQL = """
    select n.network_name as network, c.city_name as city, c.country_iso2 as country,
           round(c.longitude, 2) as lon, round(c.latitude, 2) as lat
    from fct_network_membership m
    join dim_network n using (network_id)
    join dim_city c using (city_id)
    where n.roster_status = 'held' and m.membership_status = 'current' and c.latitude is not null
    order by count(*) over (partition by n.network_id) desc, network, city"""

REACH_BY_NETWORK_SQL = """
    select n.network_name, n.roster_as_of, count(*) as members, count(c.latitude) as mapped
    from fct_network_membership m
    join dim_network n using (network_id)
    left join dim_city c using (city_id)
    where n.roster_status = 'held' and m.membership_status = 'current'
    group by all order by members desc"""

# A name can be several places (there are two Yokohamas in Japan): take the one with ties, then
# the most populous.
CITY_SQL = """
    select c.city_id, c.geonameid, c.city_name, c.country_iso2, c.country_name
    from dim_city c
    where lower(c.city_name) = lower($name) and c.country_iso2 = upper($iso2)
    order by (select count(*) from fct_city_tie t where t.city_id = c.city_id) desc,
             c.gazetteer_population desc nulls last, c.city_id
    limit 1"""

TIES_SQL = """
    select partner_name, partner_country_iso2, relation_type, since_year,
           stated_by_official_page, sources
    from fct_city_tie where city_id = $city_id
    order by relation_type, since_year nulls last, partner_name"""

CITY_NETWORKS_SQL = """
    select n.network_name, m.membership_status, m.role, m.joined_on, m.sources
    from fct_network_membership m join dim_network n using (network_id)
    where m.city_id = $city_id
    order by m.membership_status, n.network_name"""

CITY_RANK_SQL = "select global_rank, influence_score from city_influence where geonameid = $geonameid"

SOURCES_SQL = """
    select source, producer, title, licence, licence_url, landing_page, non_commercial, share_alike
    from meta.sources order by source"""

# The last landed snapshot of every source file (what the marts are built from).
FILES_SQL = """
    select source, raw_table, snapshot_key, snapshot_sha256, left(snapshot_fetched_at, 10) as snapshot_date,
           rows, finished_at as landed_at
    from meta.loads where status = 'landed'
    qualify row_number() over (partition by source, raw_table, snapshot_key
                               order by finished_at desc, load_id desc) = 1
    order by source, raw_table, snapshot_key"""

KEY_NUMBERS_SQL = """
    select (select count(*) from city_influence) as cities_ranked,
           (select count(*) from city_influence where membership_count > 0) as ranked_with_networks,
           (select count(*) from city_influence where sister_city_degree > 0) as ranked_with_ties,
           (select count(population) from city_influence) as ranked_with_population,
           (select count(gdp_usd) from city_influence) as ranked_with_gdp,
           (select count(*) from city_influence where gdp_is_estimated) as ranked_with_estimated_gdp,
           (select count(*) from dim_network) as networks,
           (select count(*) from dim_network where roster_status = 'held') as rosters_held,
           (select count(distinct city_id) from fct_network_membership
            where membership_status = 'current') as member_cities,
           (select count(*) from fct_city_tie) as ties,
           (select count(distinct city_id) from fct_city_tie) as tied_cities,
           (select max(finished_at) from meta.loads where status = 'landed') as last_landed_at"""

C40_SQL = """
    select network_name, member_count, former_member_count, unconfirmed_member_count, roster_as_of,
           headline_member_count, headline_as_of
    from dim_network where network_id = 'c40'"""


@dataclass(frozen=True)
class City:
    found: dict  # its dim_city row
    rank: dict | None  # its place in city_influence (none for a city the index does not rank)
    ties: pl.DataFrame
    networks: list[dict]


def parse_city(value: str) -> tuple[str, str]:
    """'Yokohama:JP' -> ('Yokohama', 'JP')."""
    name, sep, iso2 = value.rpartition(":")
    if not sep or not name.strip() or len(iso2.strip()) != 2 or not iso2.strip().isalpha():
        raise CitywhError(f"--city wants NAME:ISO2 (e.g. Yokohama:JP), got {value!r}")
    return name.strip(), iso2.strip().upper()


def write_report(serving_path: Path, out_path: Path,
                 cities: tuple[tuple[str, str], ...] = DEFAULT_CITIES) -> Path:
    """Render the report from the serving file to out_path, swapped in whole (a reader never sees
    half a file)."""
    from ingest.publish import open_serving

    with open_serving(serving_path) as serving:
        page = render(serving.con, cities, serving.name)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    staging = out_path.with_name(f".{out_path.name}.{os.getpid()}.writing")
    try:
        staging.write_text(page, encoding="utf-8")
        os.replace(staging, out_path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return out_path


def render(con: duckdb.DuckDBPyConnection, cities: tuple[tuple[str, str], ...], serving_path: str) -> str:
    """The whole page: every query, every chart's spec, the JavaScript, in one string."""
    ranking = _frame(con, RANKING_SQL)
    reach = _frame(con, REACH_SQL)
    chosen = [_read_city(con, name, iso2) for name, iso2 in cities]
    charts = {"influence": influence_chart(ranking), "reach": reach_map(reach)}
    charts.update({f"city-{i}": cooperation_chart(city) for i, city in enumerate(chosen)})
    with alt.data_transformers.disable_max_rows():  # the map has ~12,000 points, all inline
        specs = {name: _spec_json(chart) for name, chart in charts.items()}
    return _template().render(
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        serving_path=serving_path,
        numbers=_one(con, KEY_NUMBERS_SQL), c40=_one(con, C40_SQL),
        ranking=ranking.to_dicts(), top=ranking.row(0, named=True) if ranking.height else None,
        components=COMPONENTS, reach_by_network=_dicts(con, REACH_BY_NETWORK_SQL),
        cities=chosen, sources=_sources(con), specs=specs,
        vega_lite_version=alt.VEGALITE_VERSION, javascript=javascript_bundle())


# --- charts ---------------------------------------------------------------------------------

def influence_chart(ranking: pl.DataFrame) -> alt.FacetChart:
    """Top cities (rows, by rank) x the score and its components (columns), each on 0-1."""
    long = (ranking.with_columns(city=pl.format("{}. {}, {}", "global_rank", "city_name", "country_iso2"))
            .unpivot(index=["city", "global_rank"], on=list(COMPONENTS), variable_name="component",
                     value_name="score")
            .with_columns(pl.col("component").replace_strict(COMPONENTS)))
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("city:N", sort=alt.EncodingSortField("global_rank", op="min"), title=None),
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 1]), title=None, axis=alt.Axis(tickCount=4)),
        color=alt.Color("component:N", sort=list(COMPONENTS.values()), legend=None),
        tooltip=["city:N", "component:N", alt.Tooltip("score:Q", format=".3f")],
    ).properties(width=150, height=alt.Step(18)).facet(
        column=alt.Column("component:N", sort=list(COMPONENTS.values()), title=None,
                          header=alt.Header(labelFontWeight="bold")),
        spacing=8,
    )


def reach_map(reach: pl.DataFrame) -> alt.LayerChart:
    """Member cities of the held networks on Vega-Lite's own sphere and graticule (no basemap
    file: nothing is downloaded)."""
    networks = reach["network"].unique(maintain_order=True).to_list()
    sphere = alt.Chart(alt.sphere()).mark_geoshape(fill="#eef3f7", stroke="#9aa7b1")
    graticule = alt.Chart(alt.graticule(step=[30, 30])).mark_geoshape(
        stroke="#d0d8de", strokeWidth=0.5, fill=None)
    points = alt.Chart(reach).mark_circle(size=9, opacity=0.65).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("network:N", sort=networks, title="network (current members)",
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=360, symbolOpacity=1)),
        tooltip=["city:N", "country:N", "network:N"],
    )
    return alt.layer(sphere, graticule, points).project("equalEarth").properties(width=1000, height=500)


def cooperation_chart(city: City) -> alt.HConcatChart:
    """A city's ties by relation type, and those with a start year on a timeline."""
    ties = city.ties.select("partner_name", "partner_country_iso2", "relation_type", "since_year")
    colour = alt.Color("relation_type:N", title="relation",
                       scale=alt.Scale(domain=list(RELATION_COLOURS), range=list(RELATION_COLOURS.values())))
    by_type = alt.Chart(ties).mark_bar().encode(
        y=alt.Y("relation_type:N", sort=list(RELATION_COLOURS), title=None),
        x=alt.X("count():Q", title="partner cities"),
        color=colour, tooltip=["relation_type:N", "count():Q"],
    ).properties(width=220, title=f"{city.found['city_name']}: ties by type")
    dated = ties.filter(pl.col("since_year").is_not_null()).with_columns(
        partner=pl.format("{}, {}", "partner_name", "partner_country_iso2"))
    timeline = alt.Chart(dated).mark_circle(size=90, opacity=1).encode(
        x=alt.X("since_year:Q", scale=alt.Scale(zero=False, nice=True), axis=alt.Axis(format="d"),
                title="tie since"),
        y=alt.Y("partner:N", sort=alt.EncodingSortField("since_year", op="min"), title=None),
        color=colour, tooltip=["partner:N", "relation_type:N", "since_year:Q"],
    ).properties(width=420, height=alt.Step(16),
                 title=f"{city.found['city_name']}: partners by the year the tie began ({dated.height} dated)")
    return alt.hconcat(by_type, timeline).resolve_scale(color="shared")


# --- data -----------------------------------------------------------------------------------

def _read_city(con, name: str, iso2: str) -> City:
    found = _one(con, CITY_SQL, {"name": name, "iso2": iso2})
    if found is None:
        raise CitywhError(f"no city {name!r} in {iso2} in dim_city")
    rank = _one(con, CITY_RANK_SQL, {"geonameid": found["geonameid"]}) if found["geonameid"] else None
    return City(found, rank,
                ties=_frame(con, TIES_SQL, {"city_id": found["city_id"]}),
                networks=_dicts(con, CITY_NETWORKS_SQL, {"city_id": found["city_id"]}))


def _sources(con) -> list[dict]:
    files = _dicts(con, FILES_SQL)
    return [{**source, "files": [f for f in files if f["source"] == source["source"]]}
            for source in _dicts(con, SOURCES_SQL)]


def _frame(con, sql: str, params: dict | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params or {}).pl()


def _dicts(con, sql: str, params: dict | None = None) -> list[dict]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con, sql: str, params: dict | None = None) -> dict | None:
    rows = _dicts(con, sql, params)
    return rows[0] if rows else None


# --- HTML -----------------------------------------------------------------------------------

def _spec_json(chart) -> str:
    # inside <script type="application/json">: "</" must not close the tag early
    return json.dumps(chart.to_dict(), separators=(",", ":")).replace("</", "<\\/")


def javascript_bundle() -> str:
    """vega-embed, Vega-Lite (the version Altair writes specs for) and Vega, in one script that
    sets window.vegaEmbed. It depends only on what is installed, and bundling takes ~1.7 s: it
    is kept in the environment (sys.prefix/share/citywh, written by `make install`), one file
    per vl-convert and Vega-Lite version."""
    import vl_convert
    from altair.utils.html import vl_version_for_vl_convert

    vl_version = vl_version_for_vl_convert()
    kept = Path(sys.prefix) / "share" / "citywh" / f"vega-embed-{vl_convert.__version__}-{vl_version}.js"
    if kept.exists():
        return kept.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    try:  # by rename: a report rendered at the same time never reads half a bundle
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.{os.getpid()}")
        partial.write_text(bundle, encoding="utf-8")
        os.replace(partial, kept)
    except OSError:  # a read-only environment: bundled on every report
        pass
    return bundle


def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(
        num=lambda v: "-" if v is None else f"{v:,}",
        score=lambda v: "-" if v is None else f"{v:.3f}",
        usd_bn=lambda v: "-" if v is None else f"{v / 1e9:,.1f}",
        date=lambda v: "-" if v is None else str(v)[:10],
        minute=lambda v: "-" if v is None else str(v)[:16],
    )
    return env.from_string(TEMPLATE.read_text(encoding="utf-8"))
