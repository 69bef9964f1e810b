"""citywh command line: run the pipeline in-process, or look at what the warehouse holds."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ingest.config import settings as load_settings
from ingest.errors import CitywhError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="citywh: a DuckDB warehouse of global city indicators.")
console = Console(stderr=True)


def _fail(exc: Exception) -> None:
    # soft_wrap: never break an error message (paths, expectation names) across lines.
    console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@app.command()
def run(force: bool = typer.Option(False, "--force", help="Build and publish even when nothing "
                                   "changed since the last build.")) -> None:
    """Build the whole warehouse: acquire, validate and land every source, dbt build, publish
    (skipped when nothing the build reads changed)."""
    from ingest.pipeline import run_all

    settings = load_settings()
    console.print(f"warehouse home: {settings.home} (bundle: {settings.bundle_dir}, "
                  f"fetch mode: {settings.fetch_mode})")
    try:
        with console.status("running the pipeline…") as status:
            def report(line: str) -> None:
                console.print(f"  ✓ {escape(line)}")
                status.update(f"after: {escape(line)}")
            run_all(settings, report, force=force)
    except CitywhError as exc:
        _fail(exc)
    console.print("[bold green]done.[/] Query the serving file: uv run citywh sql "
                  "\"select * from city_influence order by global_rank limit 10\"", soft_wrap=True, highlight=False)


@app.command()
def ingest(source: str) -> None:
    """Acquire, validate and land one source (no dbt build, no publish)."""
    from ingest.pipeline import ingest_source

    try:
        ingest_source(source, load_settings(), lambda line: console.print(f"  ✓ {escape(line)}"))
    except (CitywhError, KeyError) as exc:
        _fail(exc)


@app.command()
def build() -> None:
    """dbt build (models, tests, unit tests) against the writer warehouse, then publish."""
    from ingest import pipeline

    settings = load_settings()
    try:
        pipeline.build_and_publish(settings, lambda line: console.print(f"  ✓ {escape(line)}"), force=True)
    except CitywhError as exc:
        _fail(exc)


@app.command()
def manifest() -> None:
    """dbt parse into dbt_project/target/manifest.json, the graph the Airflow build DAG renders."""
    from ingest.dbt import build_manifest

    try:
        console.print(f"wrote {build_manifest(load_settings())}")
    except CitywhError as exc:
        _fail(exc)


@app.command()
def benchmark(builds: int = typer.Option(0, "--builds", help="Also time this many cold builds, each "
                                         "in a fresh home, and a no-change rerun after each."),
              airflow: bool = typer.Option(False, "--airflow", help="Also run every DAG in a real local "
                                           "Airflow and compare warehouse_build with `citywh build`."),
              lake: bool = typer.Option(False, "--lake", help="Also compare lake mode with file mode (a "
                                        "local PostgreSQL): a cold build, three sources ingested at once."),
              scale: list[int] = typer.Option([], "--scale", min=2, help="Only this: a cold build on the "
                                              "bundle at 1x and at N x (synthetic cities, members, "
                                              "twinnings; repeatable: --scale 10 --scale 100), with time, "
                                              "peak memory, phases and the slope.")) -> None:
    """Print DAG parse times and the pipeline's speed ratios (no assertions; see ingest/benchmark.py)."""
    from ingest import benchmark as bench

    bench.run(load_settings(), lambda line: console.print(escape(line), soft_wrap=True), builds=builds,
              airflow=airflow, lake=lake, scales=scale)


@app.command()
def sources() -> None:
    """Every source the catalog declares (ingest/catalog.py): producer, licence, DAG and schedule,
    raw tables, and where each file comes from live and offline."""
    from ingest import catalog

    out = Console(width=None if sys.stdout.isatty() else 220)
    table = Table("source", "producer", "licence", "DAG (schedule)", "raw tables", "files (live URL; offline)",
                  title="sources", show_lines=True)
    for source in catalog.SOURCES:
        o = source.origin
        flags = [flag for flag, on in (("NON-COMMERCIAL", o.non_commercial), ("SHARE-ALIKE", o.share_alike)) if on]
        files = [f"{f.key}: {f.url[:70]}{'…' if len(f.url) > 70 else ''}; "
                 + (f.bundle_glob or f.package_file or "live only") for t in source.tables for f in t.file_list()]
        table.add_row(source.name, o.producer, " ".join([o.licence, *flags]),
                      f"ingest_{source.dag} ({catalog.dag(source.dag).schedule})",
                      "\n".join(f"raw.{source.raw_table(t)}" for t in source.tables),
                      "\n".join(files) or "one live query per registry network with a Wikidata QID")
    out.print(table)


@app.command()
def crosswalk(evaluate: bool = typer.Option(False, "--evaluate", help="Score the crosswalk on the "
                                            "hand-labelled sets in tests/data/ (development, holdout)."),
              wrong: bool = typer.Option(False, "--wrong", help="With --evaluate: list every labelled "
                                         "row the crosswalk gets wrong.")) -> None:
    """The city crosswalk: coverage per entity type, and with --evaluate its precision and recall."""
    import polars as pl

    from ingest import crosswalk_evaluation as evaluation

    try:
        path, matches, coverage = evaluation.read_matches(load_settings())
    except FileNotFoundError as exc:
        _fail(exc)
    out = Console(width=None if sys.stdout.isatty() else 220)
    out.print(f"reading {path}")
    table = Table("entity type", "entities", "resolved", "rows using them", "rows resolved",
                  title="coverage (resolved to a GeoNames id)")
    for r in coverage.iter_rows(named=True):
        table.add_row(r["entity_type"], f"{r['entities']:,}", f"{r['entities_resolved']:.1%}",
                      f"{r['rows_']:,}" if r["rows_"] else "-",
                      f"{r['rows_resolved']:.1%}" if r["rows_resolved"] is not None else "-")
    out.print(table)
    if not evaluate:
        return
    for label_set, path in evaluation.LABEL_SETS.items():
        scored = evaluation.score(matches, evaluation.read_labels(path))
        for by in (["entity_type"], ["entity_type", "sample"]):
            table = Table(*by, "labelled", "matched", "right", "precision", "recall",
                          "rightly unresolved", title=f"{label_set}, by {' and '.join(by)}")
            for r in evaluation.summarise(scored, by).iter_rows(named=True):
                table.add_row(*[r[c] for c in by], str(r["labelled"]), str(r["matched"]),
                              str(r["right_matches"]), f"{r['precision']:.1%}" if r["matched"] else "-",
                              f"{r['recall']:.1%}" if r["with_answer"] else "-", str(r["abstained_rightly"]))
            out.print(table)
        missing = scored.filter(~pl.col("in_warehouse")).height
        if missing:
            out.print(f"{missing} labelled rows name entities the warehouse does not hold")
        if wrong:
            table = Table("entity", "name", "expected", "got", "method", "reason", title=f"{label_set}: wrong")
            for r in scored.filter(pl.col("in_warehouse") & ~pl.col("right")) \
                    .sort("entity_type", "entity_key").iter_rows(named=True):
                table.add_row(f"{r['entity_type']} {r['entity_key']}", r["source_name"],
                              f"{r['expected_geonameid']} {r['expected_name'] or ''}", str(r["geonameid"]),
                              r["method"], escape(r["reason"] or ""))
            out.print(table)


@app.command()
def sql(query: str = typer.Argument(None, help="SQL (one or more statements); without it, "
                                    "the statements are read from standard input."),
        csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table.")) -> None:
    """Query the serving file, read-only (what analysts and BI tools see; lake mode: the lake at
    the serving snapshot)."""
    from ingest.publish import open_serving

    try:
        with open_serving(load_settings().serving_path) as serving:
            _print_queries(serving.con, query if query else sys.stdin.read(), csv)
    except CitywhError as exc:
        _fail(exc)


def _print_queries(con, text: str, csv: bool) -> None:
    import duckdb

    try:
        statements = con.extract_statements(text)
    except duckdb.Error as exc:
        raise CitywhError(f"{type(exc).__name__}: {exc}") from None
    for statement in statements:
        try:
            cursor = con.execute(statement)
        except duckdb.Error as exc:
            raise CitywhError(f"{type(exc).__name__}: {exc}") from None
        if cursor.description is None:
            continue
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        if csv:
            import csv as csv_module
            writer = csv_module.writer(sys.stdout)
            writer.writerow(names)
            writer.writerows(rows)
            continue
        table = Table(*names)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


@app.command()
def report(city: list[str] = typer.Option(None, "--city", metavar="NAME:ISO2", help="A city whose "
                                          "cooperation network to show; repeatable (default: Yokohama:JP "
                                          "and Taipei:TW)."),
           out: Path = typer.Option(None, "--out", help="Where to write the HTML (default: "
                                    "report/citywh-report.html under the warehouse home).")) -> None:
    """Write a self-contained HTML report from the serving file (no server, works offline): the
    influence ranking, the networks' reach on a world map, chosen cities' ties and networks, and
    every source's snapshots and licence."""
    from ingest import report as reporting

    settings = load_settings()
    try:
        cities = tuple(reporting.parse_city(value) for value in city) if city else reporting.DEFAULT_CITIES
        with console.status("writing the report…"):
            path = reporting.write_report(settings.serving_path, out or settings.report_path, cities)
    except CitywhError as exc:
        _fail(exc)
    print(path)  # stdout: the one thing a script wants from this command


@app.command()
def status() -> None:
    """Every source file's last good (landed) snapshot - time, rows, sha256 - and its last
    rejected one with the reason, if later; and the marts' row counts."""
    from ingest.status import read_status

    found = read_status(load_settings())
    out = Console(width=None if sys.stdout.isatty() else 200)  # full sha256 when piped
    if found is None:
        out.print("no warehouse yet: run `citywh run`")
        raise typer.Exit(1)
    out.print(f"reading {found.database}")
    loads = Table("source", "file", "last good (landed)", "rows", "sha256", "last rejected", title="snapshots")
    for load in found.loads:
        landed = str(load["finished_at"])[:19] if load["finished_at"] else "never"
        rows = f"{load['rows']:,}" if load["rows"] is not None else "-"
        rejected = (f"{str(load['rejected_at'])[:19]} {load['rejected_sha256'][:12]}"
                    if load["rejected_at"] else "-")
        loads.add_row(load["source"], load["snapshot_key"], landed, rows, load["snapshot_sha256"] or "-", rejected)
    out.print(loads)
    for load in found.loads:  # the reasons in full, one line each: they name file, row and field
        if load["rejected_at"]:
            out.print(f"rejected {load['source']}/{load['snapshot_key']} ({load['rejected_sha256'][:12]}): "
                      f"{escape(load['rejected_reason'] or '')}", soft_wrap=True, highlight=False)
    marts = Table("table", "rows", title="marts")
    for table, rows in found.marts.items():
        marts.add_row(table, f"{rows:,}")
    out.print(marts)
    settings = load_settings()
    for what, path in (("report", settings.report_path), ("dbt docs", settings.dbt_docs_path),
                       ("Data Docs", settings.data_docs_dir / "index.html")):
        out.print(f"{what}: {path.as_uri() if path.exists() else f'not built yet ({path})'}",
                  soft_wrap=True, highlight=False)


lake_app = typer.Typer(no_args_is_help=True, help="The DuckLake backend (CITYWH_WAREHOUSE=ducklake).")
app.add_typer(lake_app, name="lake")


@lake_app.command("init")
def lake_init() -> None:
    """Create the lake's catalog, meta and raw tables, once, before any writer starts (two
    processes creating a catalog at once collide). Safe to run again."""
    from ingest.pipeline import init_lake

    try:
        print(init_lake(load_settings()))
    except CitywhError as exc:
        _fail(exc)


@lake_app.command("attach")
def lake_attach() -> None:
    """The SQL a reader (DuckDB CLI, a BI tool's init SQL) runs to see the last published build:
    the lake attached read-only at the serving snapshot."""
    from ingest import lake
    from ingest.publish import serving_snapshot

    try:
        print(lake.attach_sql(snapshot=serving_snapshot()))
    except CitywhError as exc:
        _fail(exc)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":
    main()
