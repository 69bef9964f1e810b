"""The snapshot store: dated, content-addressed copies of every source file, never overwritten.

Layout (after owid/etl): <store>/<source>/<YYYY-MM-DD>/<sha256[:16]>/<file> plus <file>.meta.json
holding url, sha256, bytes, fetched_at and the source's producer, licence and citation. Every
distinct content gets its own folder, so a bad file fetched on the day of a good one never
replaces it; a file whose sha256 the store already holds for the same source key is recognised
and not stored again. Once a snapshot was landed or rejected, <file>.status.json says so:
`latest_good` is the newest snapshot that was landed, the one to fall back on.
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
STATUS_SUFFIX = ".status.json"


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

    @property
    def status_path(self) -> Path:
        return self.path.with_name(self.path.name + STATUS_SUFFIX)

    def status(self) -> dict | None:
        """{"status": "landed" | "rejected", "at", "load_id", "reason"} once landed or rejected."""
        try:
            return json.loads(self.status_path.read_text())
        except FileNotFoundError:
            return None


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
        """All held snapshots of one source file, oldest first (the pre-2026-11 layout
        <source>/<date>/<file> included)."""
        held = (read_snapshot(meta) for meta in (self.root / spec.source).rglob(f"*{META_SUFFIX}"))
        return sorted((s for s in held if s.key == spec.key), key=lambda snap: (snap.fetched_at, snap.sha256))

    def latest_good(self, spec: SnapshotSpec) -> Snapshot | None:
        """The newest snapshot that was landed: a rejected one is never served again."""
        good = [s for s in self.snapshots(spec) if (s.status() or {}).get("status") == "landed"]
        return good[-1] if good else None

    def mark(self, snapshot: Snapshot, status: str, *, load_id: str | None = None, reason: str = "") -> None:
        """Record that a snapshot was landed (or was already the landed one) or rejected."""
        assert status in ("landed", "rejected"), status
        _atomic_write(snapshot.status_path, json.dumps({
            "status": status, "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_id": load_id, "reason": reason[:4000]}, indent=2).encode())

    def prune(self, spec: SnapshotSpec, keep: int | None = None) -> list[Snapshot]:
        """The retention policy: remove all but the newest `keep` snapshots of a file (default
        CITYWH_SNAPSHOT_KEEP, 10), never the newest landed one nor one not yet landed or rejected;
        return what was removed."""
        keep = int(os.environ.get("CITYWH_SNAPSHOT_KEEP", "10")) if keep is None else keep
        held = self.snapshots(spec)
        protected = {id(s) for s in held[-keep:]} if keep > 0 else set()
        good = self.latest_good(spec)
        removed = []
        for snapshot in held:
            if id(snapshot) in protected or (good and snapshot.sha256 == good.sha256) or snapshot.status() is None:
                continue
            for path in (snapshot.path, snapshot.meta_path, snapshot.status_path):
                path.unlink(missing_ok=True)
            removed.append(snapshot)
        return removed

    def save_file(self, spec: SnapshotSpec, source: Path, *, url: str, origin: Origin,
                  acquired_via: str) -> Snapshot:
        """save() of a local file (bundle, package, curated). A file whose size and mtime are those
        it had when last read is not read again: its sha256 is remembered, so a no-change run
        hashes nothing (the 79 MB gazetteer alone took 0.2 s)."""
        stat = source.stat()
        digests_path = self.root / ".file-digests.json"
        digests = json.loads(digests_path.read_text()) if digests_path.exists() else {}
        known = digests.get(str(source))
        if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
            held = next((h for h in self.snapshots(spec) if h.sha256 == known[2] and h.path.exists()), None)
            if held is not None:
                return held
        snapshot = self.save(spec, source.read_bytes(), filename=source.name, url=url, origin=origin,
                             acquired_via=acquired_via)
        digests[str(source)] = [stat.st_size, stat.st_mtime_ns, snapshot.sha256]
        _atomic_write(digests_path, json.dumps(digests, indent=0).encode())
        return snapshot

    def save(self, spec: SnapshotSpec, content: bytes, *, filename: str, url: str,
             origin: Origin, acquired_via: str, now: datetime | None = None) -> Snapshot:
        """Store content unless the same bytes are already held; return the held snapshot."""
        digest = sha256_of(content)
        for held in self.snapshots(spec):
            if held.sha256 == digest and held.path.exists():
                return held
        now = now or datetime.now(UTC)
        path = self.root / spec.source / now.date().isoformat() / digest[:16] / filename
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
