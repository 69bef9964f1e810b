# citywh Airflow image: Airflow 3.3.2, dbt-duckdb, Great Expectations and this project, installed
# from the committed uv.lock; the dbt manifest the build DAG renders is compiled at build time, and
# the DuckDB extensions of lake mode (ducklake, postgres, parquet, httpfs) are installed from wheels.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    AIRFLOW_HOME=/opt/airflow \
    CITYWH_HOME=/var/lib/citywh \
    PATH=/opt/citywh/.venv/bin:$PATH

RUN apt-get update \
 && apt-get install -y --no-install-recommends curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv \
 && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/citywh
# dependencies first (cached while only the code changes): exactly the lock, no dev tools
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --group deploy --no-install-project
COPY ingest ./ingest
COPY dags ./dags
COPY dbt_project ./dbt_project
COPY expectations ./expectations
RUN uv sync --locked --no-dev --group deploy \
 # dbt parse -> dbt_project/target/manifest.json (no warehouse is opened)
 && CITYWH_HOME=/tmp/citywh-build citywh manifest \
 && rm -rf /tmp/citywh-build dbt_project/logs \
 # the report's JavaScript (vega-embed), bundled once into the environment: the runtime user
 # cannot write there, and bundling on every report costs 1.7 s
 && python -c "from ingest.report import javascript_bundle; javascript_bundle()" \
 # lake mode: DuckDB cannot download extensions at run time, so install them now from the locked
 # duckdb-extension-* wheels into the runtime user's ~/.duckdb/extensions (HOME=/opt/airflow)
 && HOME=/opt/airflow python -c "import duckdb; from duckdb_extensions import import_extension; \
con = duckdb.connect(); [import_extension(e, con=con) for e in ('ducklake', 'postgres', 'parquet', 'httpfs')]; \
[con.execute(f'load {e}') for e in ('ducklake', 'postgres', 'parquet', 'httpfs')]" \
 && mkdir -p /var/lib/citywh /opt/airflow/logs \
 && chown -R 50000:0 /var/lib/citywh /opt/airflow /opt/citywh/expectations \
 && chmod -R g+rwX /var/lib/citywh /opt/airflow

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/citywh/dags
# where DuckDB finds the extensions, for any AIRFLOW_UID: compose runs as "${AIRFLOW_UID}:0" and a
# uid without a passwd entry would get HOME=/ (group 0 can read /opt/airflow)
ENV HOME=/opt/airflow
USER 50000
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]
