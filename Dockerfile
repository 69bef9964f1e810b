# citywh Airflow image: Airflow 3.3.2, dbt-duckdb, Great Expectations and this project, installed
# from the committed uv.lock; the dbt manifest the build DAG renders is compiled at build time.
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
 && mkdir -p /var/lib/citywh /opt/airflow/logs \
 && chown -R 50000:0 /var/lib/citywh /opt/airflow /opt/citywh/expectations \
 && chmod -R g+rwX /var/lib/citywh /opt/airflow

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/citywh/dags
USER 50000
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]
