"""Boundaries: the simulator never loads Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sim_runs_without_importing_textual():
    code = (
        "import sys, sim\n"
        "scenario = sim.default_scenario()\n"
        "try:\n"
        "    from sim.engine import run\n"
        "except ImportError:\n"
        "    run = None\n"
        "if run is not None:\n"
        "    run(scenario)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tutor'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
