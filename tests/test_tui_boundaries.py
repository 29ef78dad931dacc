"""Boundaries: the simulator never loads Textual, and every UI string exists in both languages."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tutor.i18n import LANGUAGES
from tutor.strings import STRINGS

ROOT = Path(__file__).resolve().parents[1]
UI_SOURCES = [ROOT / "tutor" / "app.py", *sorted((ROOT / "tutor" / "screens").glob("*.py")), *sorted((ROOT / "tutor" / "widgets").glob("*.py"))]


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


def test_every_string_has_both_languages():
    missing = [key for key, entry in STRINGS.items() if any(not entry.get(lang) for lang in LANGUAGES)]
    assert missing == []


def test_every_key_used_by_the_ui_is_in_the_catalogue():
    used: set[str] = set()
    pattern = re.compile(r'"((?:app|home|key|help|lesson|badge|btn|hint|solution|copy|done|sim|link|confirm|error|picker|palette|cmd|notice)\.[a-z_.]+)"')
    for source in UI_SOURCES:
        used.update(pattern.findall(source.read_text(encoding="utf-8")))
    assert len(used) > 40  # the pattern really finds the keys
    toggles = {f"cmd.toggle.{name}{suffix}" for name in ("reduced_motion", "colour_blind", "presenter") for suffix in ("", ".help")}
    assert toggles <= set(STRINGS)
    built = {f"key.language_to_{lang}" for lang in LANGUAGES}  # "key.language_to_" + lang
    assert built <= set(STRINGS)
    actions = {"app.quit"}  # Textual action names, not strings
    assert sorted(key for key in used - actions if key not in STRINGS and not key.endswith("_")) == []
