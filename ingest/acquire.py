"""Getting a snapshot into the store: from the offline bundle, or live from the source.

CITYWH_FETCH=auto (default): bundle file if the bundle has it, else a live fetch.
CITYWH_FETCH=offline: bundle only, else the newest snapshot the store holds that was landed.
CITYWH_FETCH=live: always a live fetch (what a scheduled production run wants).
Optional files (live-only Wikidata queries) are fetched only in live mode and otherwise skipped.
A file found nowhere is reported with the place it should be put."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from pathlib import Path

from ingest.config import CURATED_DIR, REPO_ROOT, Settings
from ingest.errors import FetchError, MissingSnapshotError
from ingest.snapshots import Snapshot, SnapshotStore
from ingest.sources.base import RawTable, SnapshotSpec


def bundle_file(spec: SnapshotSpec, bundle_dir: Path) -> Path | None:
    if spec.bundle_glob is None or not bundle_dir.is_dir():
        return None
    matches = sorted(bundle_dir.glob(spec.bundle_glob))
    return matches[-1] if matches else None


def packaged_file(spec: SnapshotSpec) -> tuple[Path, str] | None:
    """The offline copy an installed package ships, with a label naming package and version."""
    if spec.package_file is None:
        return None
    package, _, relative = spec.package_file.partition(":")
    try:
        path = Path(str(importlib.resources.files(package).joinpath(relative)))
        version = importlib.metadata.version(package)
    except (ModuleNotFoundError, importlib.metadata.PackageNotFoundError):
        return None
    return (path, f"package:{package}=={version}:{relative}") if path.is_file() else None


def acquire(table: RawTable, spec: SnapshotSpec, settings: Settings) -> Snapshot:
    """Return a stored snapshot of spec, storing it first if needed."""
    store = SnapshotStore(settings.store_dir)
    if spec.curated:  # kept in this repository; there is nothing to download
        path = CURATED_DIR / spec.filename
        return store.save_file(spec, path, url=spec.url, origin=table.origin,
                               acquired_via=f"curated:{path.relative_to(REPO_ROOT)}")
    if settings.fetch_mode != "live":
        path = bundle_file(spec, settings.bundle_dir)
        if path is not None:
            return store.save_file(spec, path, url=spec.url, origin=table.origin,
                                   acquired_via=f"bundle:{path}")
        packaged = packaged_file(spec)
        if packaged is not None:
            path, label = packaged
            return store.save_file(spec, path, url=spec.url, origin=table.origin, acquired_via=label)
    live_error: FetchError | None = None
    # Optional (live-only) files are fetched on CITYWH_FETCH=live only, so that an offline run
    # never waits on a network it does not have.
    if settings.fetch_mode == "live" or (settings.fetch_mode == "auto" and not spec.optional):
        try:
            content = table.fetch(spec)
        except FetchError as exc:
            if settings.fetch_mode == "live":
                raise
            live_error = exc
        else:
            return store.save(spec, content, filename=spec.filename, url=spec.url,
                              origin=table.origin, acquired_via="live")
    held = store.latest_good(spec)
    if held is not None:
        return held
    reason = f"not in the bundle; live fetch failed ({live_error.reason})" if live_error else \
        "not in the bundle and live fetching is off (CITYWH_FETCH=offline)"
    where = settings.bundle_dir / spec.bundle_glob if spec.bundle_glob else f"the store ({settings.store_dir})"
    raise MissingSnapshotError([(spec.label, reason, f"{where} (or run with internet)")])


def acquire_all(table: RawTable, settings: Settings) -> list[Snapshot]:
    """Acquire every file of a source; report all missing ones together, not just the first."""
    snapshots, missing = [], []
    for spec in table.snapshots:
        try:
            snapshots.append(acquire(table, spec, settings))
        except MissingSnapshotError as exc:
            if not spec.optional:
                missing.extend(exc.missing)
    if missing:
        raise MissingSnapshotError(missing)
    return snapshots
