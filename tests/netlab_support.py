"""The network lab (`tutor lab`) for tests: when it can run here, and a session lab per worker.

Tests on the lab need Linux, root, `ip netns`, nginx and Node. Without them they skip with the
reason, except when TUTOR_REQUIRE_LAB=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tutor.lab import Lab, LabError, require_system


def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None when it can."""
    try:
        require_system()
    except LabError as exc:
        return str(exc)
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"network namespaces cannot be made here: {probe.stderr.strip() or probe.returncode}"
    return None


def require_lab() -> None:
    """Skip (or fail when TUTOR_REQUIRE_LAB=1) unless the lab can run here."""
    why = lab_unavailable()
    if why is None:
        return
    if os.environ.get("TUTOR_REQUIRE_LAB") == "1":
        pytest.fail(f"the lab is required (TUTOR_REQUIRE_LAB=1) but cannot run: {why}")
    pytest.skip(f"the lab cannot run here: {why}")


def session_prefix() -> str:
    """A lab prefix of this test process alone (each xdist worker is its own process)."""
    return f"tl{os.getpid()}"


def start_session_lab(data_dir) -> Lab:
    lab = Lab(session_prefix(), data_dir)
    lab.up(apps=3)
    return lab
