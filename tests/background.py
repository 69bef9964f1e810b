"""`citywh` runs in the background, for tests that act while a run is under way."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

CITYWH = Path(sys.executable).with_name("citywh")


def start_citywh(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """`citywh *args` in the background, its output to `log`: a pipe nobody reads until the end
    fills up (a build prints more than a pipe holds) and stops the run mid-way."""
    with log.open("w") as out:
        return subprocess.Popen([str(CITYWH), *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def wait_for(predicate, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
