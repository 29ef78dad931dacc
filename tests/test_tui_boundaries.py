"""Boundaries: the simulator never loads Textual; shared styles live once in tutor/app.tcss."""

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


def test_shared_styles_are_declared_once_in_the_app_stylesheet():
    from tutor.app import TutorApp

    shared = ["background: $primary; color: $text", "height: 1; margin: 0 1 0 0; padding: 0",
              "align: center middle", "border: round $primary; background: $surface"]
    sources = {path: path.read_text(encoding="utf-8") for path in (ROOT / "tutor").rglob("*.py")}
    assert [(path.name, rule) for path, text in sources.items() for rule in shared if rule in text] == []
    sheet = (ROOT / "tutor" / TutorApp.CSS_PATH).read_text(encoding="utf-8")
    assert all(sheet.count(rule) == 1 for rule in shared)

