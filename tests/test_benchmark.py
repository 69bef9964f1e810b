"""`citywh benchmark`'s measure of a run: a run's helper processes count towards its memory."""

from __future__ import annotations

import os
import sys

from ingest.benchmark import measured_run

# holds 150 MB itself and starts a child holding 250 MB; both wait until the child has filled it
HOLDER = """
import subprocess, sys, time
block = bytearray(150 * 2**20)
child = subprocess.Popen([sys.executable, "-c",
    "import sys, time; b = bytearray(250 * 2**20); print('full', flush=True); time.sleep(1.5)"],
    stdout=subprocess.PIPE, text=True)
child.stdout.readline()
child.wait()
print('held 400 MB', file=sys.stderr)
sys.exit(3)
"""


def test_a_runs_memory_is_its_processes_summed_and_its_exit_code_and_output_are_kept():
    run = measured_run([sys.executable, "-c", HOLDER], dict(os.environ))
    assert 400 <= run.peak_mb < 700  # 150 + 250 MB and two interpreters: not the larger one alone
    assert run.returncode == 3 and run.seconds >= 1.5 and "held 400 MB" in run.output
