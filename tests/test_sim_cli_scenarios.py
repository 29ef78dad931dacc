"""Each shipped scenario (assets/scenarios/*.toml) loads, has both titles, and shows what its name says.

Behaviour is checked from the simulator's per-request records against nginx's rules
(reference/nginx-semantics.md) and queueing formulas, not against numbers copied from a run.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from sim import load_scenario, run
from sim.nginxconf import scenario_with_nginx_config
from sim.scenario import default_scenario
from tutor.paths import scenarios_dir

NAMES = ["default-demo", "web-server-basic", "web-server-overload", "rp-basic", "rp-app-stopped", "lb-tutorial",
         "lb-one-dies", "lb-poweroff", "lb-poweroff-fast", "lb-weights", "lb-ip-hash-nat",
         "lb-wrong-server-stopped", "lb-all-down", "lb-least-conn"]


def _load(name: str):
    scenario, _, notes = scenario_with_nginx_config(load_scenario(scenarios_dir() / f"{name}.toml"))
    return scenario, notes


def _records(name: str, **changes):
    scenario, _ = _load(name)
    if changes:
        scenario = dataclasses.replace(scenario, nginx=dataclasses.replace(scenario.nginx, **changes))
    result = run(scenario, trace=True)
    return result, result.records


def test_every_scenario_file_is_listed_here_and_loads_with_both_titles():
    files = sorted(path.stem for path in Path(scenarios_dir()).glob("*.toml"))
    assert files == sorted(NAMES)
    for name in NAMES:
        scenario, _ = _load(name)
        assert scenario.name == name
        assert scenario.title.get("id") and scenario.title.get("en") and scenario.title["id"] != scenario.title["en"]


def test_default_demo_is_the_design_default():
    scenario, _ = _load("default-demo")
    default = default_scenario()
    for field in ("seed", "duration", "requests", "traffic", "nginx", "servers", "events"):
        assert getattr(scenario, field) == getattr(default, field), field


def test_web_server_basic_matches_the_mm1_formulas():
    result, records = _records("web-server-basic")
    scenario, _ = _load("web-server-basic")
    rate, mean_service = scenario.traffic.rate, scenario.servers[0].service["mean"]
    rho = rate * mean_service
    assert result.metrics["servers"]["sinambela"]["utilization"] == pytest.approx(rho, abs=0.04)
    expected_time = 1 / (1 / mean_service - rate)          # M/M/1 time in system
    measured = result.metrics["latency"]["mean"] - scenario.nginx.latency
    assert measured == pytest.approx(expected_time, rel=0.15)
    assert result.metrics["requests"]["failed"] == 0


def test_web_server_overload_queue_keeps_growing():
    result, records = _records("web-server-overload")
    scenario, _ = _load("web-server-overload")
    assert scenario.traffic.rate * scenario.servers[0].service["mean"] > 1      # more work than capacity
    assert result.metrics["servers"]["sinambela"]["utilization"] > 0.97
    tenth = len(records) // 10
    first = sum(r.latency for r in records[:tenth]) / tenth
    last = sum(r.latency for r in records[-tenth:]) / tenth
    assert last > 5 * first and last > 2.0


def test_rp_basic_every_request_reaches_the_one_app():
    result, records = _records("rp-basic")
    assert {r.attempts for r in records} == {("app1",)}
    assert all(r.status == 200 for r in records) and result.metrics["retries"] == 0


def test_rp_app_stopped_gives_502_and_the_app_is_never_disabled():
    _, records = _records("rp-app-stopped")
    down = [r for r in records if 20.0 <= r.t < 30.0]
    assert down and all(r.status == 502 and r.attempts == ("app1",) for r in down)   # tried every time
    assert all(r.status == 200 for r in records if r.t < 20.0 or r.t >= 30.0)       # works at once after start


def test_lb_tutorial_takes_turns():
    result, records = _records("lb-tutorial")
    servers = result.metrics["servers"]
    assert abs(servers["app1"]["attempts"] - servers["app2"]["attempts"]) <= 1
    assert result.metrics["requests"]["failed"] == 0
    assert [r.attempts[0] for r in records[:6]] == ["app1", "app2"] * 3


def test_lb_one_dies_no_errors_ban_probe_and_return():
    result, records = _records("lb-one-dies")
    scenario, _ = _load("lb-one-dies")
    fail_timeout = scenario.server("app2").fail_timeout
    assert result.metrics["requests"]["failed"] == 0
    failures = [r.t for r in records if r.attempts == ("app2", "app1")]
    assert len(failures) >= 2                              # the first failure, then failed probes
    assert all(20.0 <= t < 40.0 for t in failures)
    for t_fail in failures:                                # banned: nginx's whole-second clock
        ban_end = math.floor(t_fail) + fail_timeout + 1
        assert not [r for r in records if "app2" in r.attempts and t_fail < r.t < ban_end]
    back = [r.t for r in records if r.attempts == ("app2",) and r.t >= 40.0]
    assert back and back[0] < 40.0 + fail_timeout + 1      # traffic returns after the next probe
    late = [r for r in records if r.t >= back[0]]
    share = sum(r.attempts == ("app2",) for r in late) / len(late)
    assert share == pytest.approx(0.5, abs=0.05)


def test_lb_poweroff_requests_wait_for_the_connect_timeout_or_the_arp_entry():
    """Requests that fall on the powered-off app2 wait: the first ones the whole connect timeout,
    later ones until the proxy's ARP entry for app2 fails (No route to host); app1 answers all."""
    result, records = _records("lb-poweroff")
    scenario, _ = _load("lb-poweroff")
    timeout = scenario.nginx.connect_timeout
    network = scenario.network
    off = next(event.at for event in scenario.events if event.action == "poweroff")
    waited = [r for r in records if r.latency > 1.0]
    assert waited and all(r.status == 200 and r.attempts == ("app2", "app1") for r in waited)
    assert {r.failures for r in waited} == {("timed out",), ("no route to host",)}
    first = min(waited, key=lambda r: r.t)
    assert first.t > off and first.failures == ("timed out",) and timeout <= first.latency < timeout + 0.1
    assert max(r.latency for r in records) < timeout + 0.1
    # the entry fails after reachable + delay + probes; the first resolution after it takes 3 s more
    gives_up = off + network.reachable_time + network.delay_first_probe_time + 2 * 3 * network.retrans_time
    first_no_route = min(r.t + r.latency for r in waited if r.failures == ("no route to host",))
    assert gives_up - 0.5 <= first_no_route <= gives_up + 1.5
    assert result.metrics["servers"]["app2"]["unreachable"] == sum(
        r.failures == ("no route to host",) for r in records)


def test_lb_poweroff_short_connect_timeout_helps():
    slow, _ = _records("lb-poweroff")
    fast, records = _records("lb-poweroff-fast")
    scenario, _ = _load("lb-poweroff-fast")
    assert scenario.nginx.connect_timeout == 2.0
    assert fast.metrics["requests"]["failed"] == 0
    assert max(r.latency for r in records) < scenario.nginx.connect_timeout + 1
    assert fast.metrics["latency"]["mean"] * 10 < slow.metrics["latency"]["mean"]


def test_lb_weights_three_to_one():
    result, records = _records("lb-weights")
    servers = result.metrics["servers"]
    assert abs(servers["app1"]["attempts"] - 3 * servers["app2"]["attempts"]) <= 3
    assert [r.attempts[0] for r in records[:8]] == ["app1", "app1", "app2", "app1"] * 2   # smooth WRR


def _ip_hash_index(address: str, servers: int) -> int:
    value = 89
    for part in address.split(".")[:3]:
        value = (value * 113 + int(part)) % 6271
    return value % servers


def test_lb_ip_hash_nat_one_server_gets_everything():
    result, records = _records("lb-ip-hash-nat")
    scenario, _ = _load("lb-ip-hash-nat")
    clients = {r.client for r in records}
    assert len(clients) == 1
    chosen = scenario.servers[_ip_hash_index(clients.pop(), len(scenario.servers))].name
    assert {r.attempts for r in records} == {(chosen,)}
    assert all(result.metrics["servers"][s.name]["attempts"] == 0 for s in scenario.servers if s.name != chosen)


def test_lb_wrong_server_stopped_changes_nothing():
    result, records = _records("lb-wrong-server-stopped")
    scenario, notes = _load("lb-wrong-server-stopped")
    assert [s.name for s in scenario.servers] == ["aplikasi1", "sinambela"]
    assert {(n.code, n.server) for n in notes} == {("not_in_upstream", "aplikasi2"), ("event_dropped", "aplikasi2")}
    assert result.metrics["requests"]["failed"] == 0 and result.metrics["retries"] == 0
    # had aplikasi2 been in the group, its stop would have shown up as retries
    in_group = run(load_scenario(scenarios_dir() / "lb-wrong-server-stopped.toml"))
    assert in_group.metrics["retries"] > 0


def test_lb_all_down_502_and_no_live_upstreams():
    result, records = _records("lb-all-down")
    before = [r for r in records if r.t < 10.0]
    after = [r for r in records if r.t >= 10.0]
    assert before and all(r.status == 200 for r in before)
    assert after and all(r.status == 502 for r in after)
    assert set(after[0].attempts) == {"app1", "app2"}            # first: both tried, both refused
    no_live = [r for r in after if r.attempts == ()]
    assert len(no_live) == result.metrics["no_live_upstreams"] > len(after) / 2


def test_lb_least_conn_beats_round_robin_on_mixed_requests():
    least, _ = _records("lb-least-conn")
    robin, _ = _records("lb-least-conn", policy="round_robin")
    assert least.metrics["latency"]["mean"] < 0.9 * robin.metrics["latency"]["mean"]
    assert least.metrics["requests"]["failed"] == robin.metrics["requests"]["failed"] == 0
