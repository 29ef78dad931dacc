"""Shared fixtures: isolated user data, and the real-nginx lab."""

from __future__ import annotations

import os

import pytest

from netlab_support import require_lab, start_session_lab
from realnginx import Lab, nginx_binary


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
    netlab_session.reset()
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
