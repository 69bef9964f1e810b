"""The snapshot store: dated, content-addressed copies of every source file.

Layout (after owid/etl): <store>/<source>/<YYYY-MM-DD>/<file> plus <file>.meta.json holding
url, sha256, bytes, fetched_at and the source's producer, licence and citation. A file whose
sha256 the store already holds for the same source key is recognised and not stored again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.sources.base import Origin, SnapshotSpec

META_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class Snapshot:
    source: str
    key: str
    path: Path
    url: str
    sha256: str
    bytes: int
    fetched_at: str
    acquired_via: str  # "live" or "bundle:<path>"
    producer: str
    licence: str
    citation: str

    @property
    def meta_path(self) -> Path:
        return self.path.with_name(self.path.name + META_SUFFIX)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(meta_path: Path) -> Snapshot:
    """A stored snapshot from its metadata file (<file>.meta.json)."""
    meta = json.loads(meta_path.read_text())
    meta["path"] = meta_path.with_name(meta_path.name.removesuffix(META_SUFFIX))
    return Snapshot(**meta)


class SnapshotStore:
    def __init__(self, root: Path):
        self.root = root

    def snapshots(self, spec: SnapshotSpec) -> list[Snapshot]:
        """All held snapshots of one source file, oldest first."""
        held = (read_snapshot(meta) for meta in (self.root / spec.source).glob(f"*/*{META_SUFFIX}"))
        return sorted((s for s in held if s.key == spec.key), key=lambda snap: snap.fetched_at)

    def latest(self, spec: SnapshotSpec) -> Snapshot | None:
        held = self.snapshots(spec)
        return held[-1] if held else None

    def save(self, spec: SnapshotSpec, content: bytes, *, filename: str, url: str,
             origin: Origin, acquired_via: str, now: datetime | None = None) -> Snapshot:
        """Store content unless the same bytes are already held; return the held snapshot."""
        digest = sha256_of(content)
        for held in self.snapshots(spec):
            if held.sha256 == digest and held.path.exists():
                return held
        now = now or datetime.now(UTC)
        path = self.root / spec.source / now.date().isoformat() / filename
        snapshot = Snapshot(
            source=spec.source, key=spec.key, path=path, url=url, sha256=digest,
            bytes=len(content), fetched_at=now.isoformat(timespec="seconds"),
            acquired_via=acquired_via, producer=origin.producer, licence=origin.licence,
            citation=origin.citation,
        )
        # The file first, its metadata last: a snapshot is only visible once complete.
        _atomic_write(path, content)
        meta = {k: v for k, v in asdict(snapshot).items() if k != "path"}
        _atomic_write(snapshot.meta_path, json.dumps(meta, indent=2).encode())
        return snapshot
