"""Shared fixtures: isolated user data, and the real-nginx lab."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from netlab_support import require_lab, start_session_lab
from realnginx import Lab, nginx_binary
from support.lab_hooks import reset

# The network guard (tests/netguard/sitecustomize.py): this process and every Python process a
# test starts refuse, and log, traffic from the machine's own namespace to anything but loopback.
# Each test process (xdist worker) keeps its own log folder, made once even if conftest is imported twice.
_NETGUARD_DIR = Path(__file__).parent / "netguard"
if os.environ.get("TUTOR_NETGUARD_OWNER") != str(os.getpid()):
    os.environ["TUTOR_NETGUARD_OWNER"] = str(os.getpid())
    os.environ["TUTOR_NETGUARD_LOG"] = tempfile.mkdtemp(prefix="tutor-netguard-")
    atexit.register(shutil.rmtree, os.environ["TUTOR_NETGUARD_LOG"], True)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_NETGUARD_DIR), os.environ.get("PYTHONPATH")]))
    sys.path.insert(0, str(_NETGUARD_DIR))
import sitecustomize as netguard  # noqa: E402  (the guard)

os.environ["TUTOR_NETGUARD_NETNS"] = netguard.own_namespace()
netguard.install()


def _netguard_lines() -> list[str]:
    folder = Path(os.environ["TUTOR_NETGUARD_LOG"])
    return [line for log in sorted(folder.glob("*.log")) for line in log.read_text().splitlines()]


@pytest.fixture(autouse=True)
def network_rule():
    """Fail any test that sent traffic outside loopback from this machine's own namespace."""
    before = len(_netguard_lines())
    yield
    refused = _netguard_lines()[before:]
    if refused:
        pytest.fail(f"network rule: traffic to {', '.join(sorted(set(refused)))} (only loopback or "
                    "a namespace the test made)", pytrace=False)


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path_factory, monkeypatch):
    """Every test gets its own empty data directory: no test sees or touches real progress."""
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path_factory.mktemp("tutor-data")))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def nginx_bin() -> str:
    """The nginx binary; skips without one, fails instead when TUTOR_REQUIRE_NGINX=1 (CI)."""
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("TUTOR_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is required (TUTOR_REQUIRE_NGINX=1) but not installed")
        pytest.skip("nginx is not installed")
    return binary


@pytest.fixture
def lab(nginx_bin, tmp_path):
    """A Lab of real nginx and backends on loopback; stops every process by pid afterwards."""
    the_lab = Lab(nginx_bin, tmp_path)
    try:
        yield the_lab
    finally:
        the_lab.close()


@pytest.fixture(scope="session")
def netlab_session(tmp_path_factory):
    """The tutorial's network (`tutor lab`, apps app1..app3) for this test process, with its own
    prefix; everything it made is removed at the end of the session."""
    require_lab()
    the_lab = start_session_lab(tmp_path_factory.mktemp("netlab"))
    try:
        yield the_lab
    finally:
        the_lab.down()


@pytest.fixture
def netlab(netlab_session):
    """The session's lab, put back as `tutor lab up` made it (default site, hosts, power, apps)."""
    reset(netlab_session)
    return netlab_session


def pytest_terminal_summary(terminalreporter):
    """Totals the tests recorded with `record_property` (they travel to the controller under xdist).

    `sim_vs_nginx`: (requests matched, requests) per case of test_sim_vs_nginx.py.
    """
    pairs = [value for key in ("passed", "failed") for report in terminalreporter.stats.get(key, [])
             if getattr(report, "when", "") == "call"
             for name, value in getattr(report, "user_properties", []) if name == "sim_vs_nginx"]
    if pairs:
        matched, total = sum(m for m, _ in pairs), sum(n for _, n in pairs)
        terminalreporter.write_line(f"sim vs real nginx: {matched}/{total} requests matched in {len(pairs)} cases")
