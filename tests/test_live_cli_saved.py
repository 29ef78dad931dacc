"""`tutor check` without --host uses the machines saved on the app's machines screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tutor.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def tutor(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


def test_check_without_host_uses_the_machines_saved_in_the_app(tmp_path):
    settings, _ = Settings.load(Path(os.environ["TUTOR_DATA_DIR"]))
    settings.hosts = {"app1": "127.0.0.1:9"}  # loopback, nothing listens on the discard port
    assert settings.save() is None
    done = tutor("check", "app-running", "--json", "--timeout", "1", "--lang", "en")
    assert done.returncode == 1, done.stderr  # ran (and failed: nothing answers), not "no machines"
    assert '"app-running"' in done.stdout and "127.0.0.1:9" in done.stdout


def test_check_without_any_machines_still_says_how_to_give_them():
    done = tutor("check", "--lang", "en")
    assert done.returncode == 2 and "--host" in done.stderr


def test_check_help_lists_the_check_ids():
    done = tutor("check", "--help")
    flat = " ".join(done.stdout.split()).replace("- ", "-")
    for check in ("app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes", "lb-failover"):
        assert check in flat


def test_play_with_an_unknown_name_lists_the_shipped_scenarios():
    done = tutor("play", "nosuch", "--lang", "id")
    assert done.returncode == 2 and "nosuch" in done.stderr
    assert "lb-one-dies" in done.stderr and "rp-basic" in done.stderr and "Skenario bawaan" in done.stderr
