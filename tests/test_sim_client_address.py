"""`[traffic] client_address`: where the simulated clients come from, as ip_hash sees them."""

from __future__ import annotations

import json

import pytest

from sim import ScenarioError, run, scenario_from_dict


def ip_hash_server(address: str, servers: int) -> int:
    """nginx's ip_hash for equal weights: hash of the first three octets, then modulo the servers."""
    value = 89
    for part in address.split(".")[:3]:
        value = (value * 113 + int(part)) % 6271
    return value % servers


def two_apps(**traffic) -> dict:
    return {"scenario": {"requests": 40}, "traffic": {"pattern": "uniform", "rate": 10.0, **traffic},
            "nginx": {"policy": "ip_hash"},
            "server": [{"name": "app1", "address": "10.37.19.46:3000"},
                       {"name": "app2", "address": "10.37.19.182:3000"}]}


@pytest.mark.parametrize("first", ["10.0.0.1", "10.37.19.1", "192.168.64.1"])
def test_one_client_behind_nat_lands_where_nginx_ip_hash_puts_its_address(first):
    result = run(scenario_from_dict(two_apps(client_address=first, clients=1)), trace=True)
    assert {r.client for r in result.records} == {first}
    expected = ["app1", "app2"][ip_hash_server(first, 2)]
    assert {r.attempts for r in result.records} == {(expected,)}


def test_each_further_client_is_one_slash_24_further_on():
    result = run(scenario_from_dict(two_apps(client_address="10.37.255.7", clients=3)), trace=True)
    assert sorted({r.client for r in result.records}) == ["10.37.255.7", "10.38.0.7", "10.38.1.7"]


@pytest.mark.parametrize("value, message", [
    ("10.37.19", "must be an IPv4 address"),
    ("hasil.xyz", "must be an IPv4 address"),
    ("255.255.255.1", "leaves no room for 2 clients"),
])
def test_a_bad_client_address_is_named_with_its_key(value, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(two_apps(client_address=value, clients=2), source="nat.toml")
    assert str(err.value).startswith("nat.toml: traffic.client_address: ") and message in str(err.value)


def test_tutor_sim_runs_a_shipped_scenario_by_name(capsys):
    from tutor.cli import main

    assert main(["sim", "lb-ip-hash-nat", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scenario"] == "lb-ip-hash-nat"
    # the lab's NAT address 10.37.19.1 hashes to the first server, as nginx's ip_hash does
    assert ip_hash_server("10.37.19.1", 2) == 0
    assert report["servers"]["app1"]["attempts"] == report["requests"]["sent"] > 0
