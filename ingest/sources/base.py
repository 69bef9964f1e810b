"""A catalog table bound to the code that reads it: what the pipeline handles (fetch a file, parse
it into a typed polars frame of the declared columns, land it in `raw.<source>__<entity>`)."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from ingest import catalog
from ingest.catalog import Origin  # noqa: F401  (re-exported: the snapshot store records it)

POLARS_TYPES: dict[str, pl.DataType] = {
    "str": pl.String(), "int32": pl.Int32(), "int64": pl.Int64(), "float64": pl.Float64(),
    "bool": pl.Boolean(), "date": pl.Date(), "list[str]": pl.List(pl.String()),
    "list[int32]": pl.List(pl.Int32()),
}


def polars_schema(columns: dict[str, str]) -> dict[str, pl.DataType]:
    return {name: POLARS_TYPES[kind] for name, kind in columns.items()}


def schema_of(raw_table: str) -> dict[str, pl.DataType]:
    """The declared columns of a raw table as polars types."""
    return polars_schema(catalog.raw_tables()[raw_table][1].columns)


@dataclass(frozen=True)
class SnapshotSpec:
    """One file of one raw table."""

    source: str
    table: str  # raw table name
    key: str
    url: str
    filename: str
    bundle_glob: str | None = None
    package_file: str | None = None
    optional: bool = False
    curated: bool = False
    as_of: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source}/{self.key}"


@dataclass(frozen=True)
class RawTable:
    source: catalog.Source
    table: catalog.Table
    fetch: Callable[[SnapshotSpec], bytes]  # live download, checked to be in the expected format
    parse: Callable[[Path, SnapshotSpec], pl.DataFrame]

    @property
    def name(self) -> str:
        return self.source.raw_table(self.table)

    @property
    def origin(self) -> Origin:
        return self.source.origin

    @property
    def unique_key(self) -> tuple[str, ...]:
        return self.table.unique_key

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return polars_schema(self.table.columns)

    def spec_of(self, file: catalog.File) -> SnapshotSpec:
        return SnapshotSpec(source=self.source.name, table=self.name, key=file.key, url=file.url,
                            filename=file.filename, bundle_glob=file.bundle_glob,
                            package_file=file.package_file, optional=file.optional,
                            curated=file.curated, as_of=file.as_of)

    @property
    def parser_version(self) -> str:
        """A digest of the code that reads this table (its module and the shared readers) and of
        its declaration: when it changes, an unchanged file is parsed and landed again."""
        t = self.table  # the declaration's content (not its files: a callable's repr is not stable)
        return _parser_version(self.parse.__module__, repr((t.entity, t.columns, t.unique_key, t.not_null,
                                                            t.checks, t.nullable_key, t.networks)))

    @property
    def snapshots(self) -> tuple[SnapshotSpec, ...]:
        return tuple(self.spec_of(f) for f in self.table.file_list())

    def spec(self, key: str) -> SnapshotSpec:
        for spec in self.snapshots:
            if spec.key == key:
                return spec
        raise KeyError(f"{self.name} has no file {key!r}")


SHARED_READERS = ("ingest.sources.base", "ingest.sources.formats", "ingest.sources.rosters",
                  "ingest.sources.wikidata")


@cache
def _parser_version(module: str, declaration: str) -> str:
    digest = hashlib.sha256(declaration.encode())
    for name in (module, *SHARED_READERS):
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    return digest.hexdigest()[:16]
