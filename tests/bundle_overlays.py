"""Bundles that differ from the real one in one known way, for tests of what a changed source does:
the real folders linked, the one changed file written."""

from __future__ import annotations

from pathlib import Path


def bundle_without_london_in_c40_list(bundle_dir: Path, tmp_path: Path) -> Path:
    """The bundle, its C40 inventory list (Open Earth Foundation) without London."""
    overlay = tmp_path / "bundle"
    for folder in bundle_dir.iterdir():
        if folder.is_dir() and folder.name != "networks":
            (overlay / folder.name).parent.mkdir(parents=True, exist_ok=True)
            (overlay / folder.name).symlink_to(folder)
    (overlay / "networks").mkdir()
    for file in (bundle_dir / "networks").iterdir():
        if file.name != "c40_cities_oef.csv":
            (overlay / "networks" / file.name).symlink_to(file)
    roster = (bundle_dir / "networks" / "c40_cities_oef.csv").read_text(encoding="utf-8").splitlines()
    (overlay / "networks" / "c40_cities_oef.csv").write_text(
        "\n".join(line for line in roster if not line.startswith("London,")) + "\n", encoding="utf-8")
    return overlay
