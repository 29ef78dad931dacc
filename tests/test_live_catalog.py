"""The check catalogue: binding ids and codes, light imports, scenario mapping, what can run."""

from __future__ import annotations

import subprocess
import sys

from tutor.live import catalog
from tutor.paths import scenarios_dir

# DESIGN.md section 5 (binding).
DESIGN_IDS = ("app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes", "lb-failover")
DESIGN_CODES = {"refused", "timeout", "unreachable", "dns", "http_status", "bad_gateway", "gateway_timeout",
                "default_page", "not_nginx", "missing_upstream_header", "single_backend", "uneven",
                "failover_errors", "hosts_mismatch", "not_stopped"}


def test_ids_and_codes_are_the_binding_ones():
    assert catalog.CHECK_IDS == DESIGN_IDS
    assert set(catalog.CODES) == DESIGN_CODES and len(catalog.CODES) == len(DESIGN_CODES)


def test_catalogue_hosts_and_cli_import_without_httpx():
    code = ("import sys, tutor.live, tutor.live.catalog, tutor.live.hosts, tutor.cli.check, tutor.live.multipass, tutor.sanitize; "
            "print('httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_every_failure_code_a_check_emits_is_a_design_code():
    """The codes written in the check modules are all binding codes (read from the source)."""
    import re
    from pathlib import Path

    source = "".join(Path(catalog.__file__).with_name(name).read_text() for name in ("checks.py", "probe.py"))
    emitted = set(re.findall(r'CheckResult\([^)]*?,\s*(?:False|True),\s*"([a-z_]+)"', source, re.S))
    emitted |= set(re.findall(r'"[a-z_]+": "([a-z_]+)"', source))  # the failure -> code table
    assert emitted and emitted <= DESIGN_CODES, emitted - DESIGN_CODES


def test_scenarios_map_only_to_known_names_and_codes():
    assert catalog.scenario_for("lb-distributes", "uneven") == "lb-weights"
    assert catalog.scenario_for("proxy-pass", "bad_gateway") == "rp-app-stopped"
    assert catalog.scenario_for("lb-distributes", None) is None
    assert catalog.scenario_for("hosts-file", "dns") is None
    for (check, code), name in catalog._SCENARIO_BY_CHECK_CODE.items():
        assert check in catalog.CHECK_IDS and code in DESIGN_CODES and name in catalog.SCENARIOS


def test_mapped_scenarios_exist_once_scenarios_are_shipped():
    shipped = {path.stem for path in scenarios_dir().glob("*.toml")}
    if not shipped:
        import pytest

        pytest.skip("assets/scenarios/ has no scenarios yet")
    assert set(catalog.SCENARIOS) <= shipped, set(catalog.SCENARIOS) - shipped


def test_default_checks_follow_the_machines_given():
    assert catalog.default_checks(has_proxy=False, app_count=1) == ["app-running"]
    assert catalog.default_checks(has_proxy=True, app_count=0) == ["nginx-running", "proxy-pass", "hosts-file"]
    assert catalog.default_checks(has_proxy=True, app_count=2) == [
        "app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes"]  # lb-failover: on request
    assert catalog.cannot_run("lb-failover", True, 2) is None
    assert "at least 2" in catalog.cannot_run("lb-failover", True, 1)
