"""Where the machines are: --host parsing, and multipass (a stand-in printing recorded output)."""

from __future__ import annotations

import time

import pytest

from live_support import FIXTURES, use_stand_in_multipass
from tutor.live.hosts import HostError, parse_domain, parse_host_spec
from tutor.live.multipass import match_roles, parse_multipass_json, parse_role_answer, read_multipass


@pytest.mark.parametrize("spec, role, host, port, address", [
    ("app1=10.37.19.46", "app1", "10.37.19.46", 3000, "10.37.19.46:3000"),
    ("proxy=10.37.19.64", "proxy", "10.37.19.64", 80, "10.37.19.64:80"),
    ("app2=10.37.19.182:8080", "app2", "10.37.19.182", 8080, "10.37.19.182:8080"),
    ("app3=[fd00::3]:3001", "app3", "fd00::3", 3001, "[fd00::3]:3001"),
    ("app3=[::1]", "app3", "::1", 3000, "[::1]:3000"),
    ("app1=fd00::1", "app1", "fd00::1", 3000, "[fd00::1]:3000"),
    ("PROXY=Sinambela.local:8080", "proxy", "sinambela.local", 8080, "sinambela.local:8080"),
    ("app1=aplikasi1", "app1", "aplikasi1", 3000, "aplikasi1:3000"),
])
def test_host_specs_give_role_address_and_default_port(spec, role, host, port, address):
    machine = parse_host_spec(spec)
    assert (machine.role, machine.host, machine.port, machine.address) == (role, host, port, address)


@pytest.mark.parametrize("spec, reason", [
    ("10.37.19.46", "expected ROLE=ADDR"),
    ("db=10.0.0.1", "unknown role 'db'"),
    ("app1=10.37.19.300", "not a valid IPv4"),
    ("app1=10.37.19", "not a valid IPv4"),
    ("app1=10.0.0.1:0", "out of range"),
    ("app1=10.0.0.1:70000", "out of range"),
    ("app1=10.0.0.1:http", "must be a number"),
    ("app1=[fd00::1", "missing ']'"),
    ("app1=[10.0.0.1]:80", "not a valid IPv6"),
    ("app1=bad_host!", "not an IP address or host name"),
    ("app1=", "empty"),
])
def test_bad_host_specs_say_why_in_one_line(spec, reason):
    with pytest.raises(HostError, match=reason.replace("[", r"\[").replace("]", r"\]")) as caught:
        parse_host_spec(spec)
    assert "\n" not in str(caught.value)


def test_domain_defaults_to_the_tutorial_domain_and_rejects_non_names():
    assert parse_domain(None) == "hasil.xyz"
    assert parse_domain("Hasil.XYZ.") == "hasil.xyz"
    for bad in ("10.0.0.1", "has il.xyz", ""):
        with pytest.raises(HostError):
            parse_domain(bad)


def test_recorded_multipass_list_parses():
    vms = parse_multipass_json((FIXTURES / "list-seed.json").read_text())
    assert [(vm.name, vm.ip, vm.release) for vm in vms] == [
        ("aplikasi1", "10.37.19.46", "22.04 LTS"), ("aplikasi2", "10.37.19.182", "22.04 LTS"),
        ("sinambela", "10.37.19.64", "22.04 LTS")]
    stopped = parse_multipass_json((FIXTURES / "list-app2-stopped.json").read_text())
    assert [vm.ip for vm in stopped] == ["10.37.19.46", None, "10.37.19.64"]


def test_exact_role_names_match_and_other_vms_are_ignored():
    vms = parse_multipass_json((FIXTURES / "list-clean.json").read_text())
    match = match_roles(vms)
    assert {role: vm.name for role, vm in match.roles.items()} == {"app1": "app1", "app2": "app2", "proxy": "proxy"}
    assert [vm.name for vm in match.ignored] == ["primary"] and match.unsure == []


def test_tutorial_like_names_match_by_their_parts():
    vms = parse_multipass_json((FIXTURES / "list-tutorial-names.json").read_text())
    match = match_roles(vms)
    assert {role: vm.name for role, vm in match.roles.items()} == {
        "proxy": "nginx-lb", "app1": "webapp1", "app2": "webapp2", "app3": "webapp3"}
    assert match.roles["proxy"].ip == "10.37.19.64"  # the first address, not docker's bridge


def test_the_seed_lab_has_a_vm_whose_role_cannot_be_told():
    vms = parse_multipass_json((FIXTURES / "list-seed.json").read_text())
    match = match_roles(vms)
    assert {role: vm.name for role, vm in match.roles.items()} == {"app1": "aplikasi1", "app2": "aplikasi2"}
    assert [vm.name for vm in match.unsure] == ["sinambela"]
    told = match_roles(vms, taken_roles={"proxy"}, taken_addresses={"10.37.19.64"})
    assert told.unsure == [] and "proxy" not in told.roles


def test_two_vms_claiming_the_proxy_role_are_both_unsure():
    vms = parse_multipass_json('{"list": [{"name": "nginx1", "state": "Running", "ipv4": ["10.0.0.2"]},'
                               '{"name": "proxy-old", "state": "Running", "ipv4": ["10.0.0.3"]},'
                               '{"name": "app1", "state": "Running", "ipv4": ["10.0.0.4"]}]}')
    match = match_roles(vms)
    assert "proxy" not in match.roles and [vm.name for vm in match.unsure] == ["nginx1", "proxy-old"]


def test_role_answers():
    assert parse_role_answer("proxy, app3", ["proxy", "app3"]) == ["proxy", "app3"]
    assert parse_role_answer("", ["proxy"]) == [] and parse_role_answer("skip", ["proxy"]) == []
    with pytest.raises(HostError, match="not a free role"):
        parse_role_answer("app1", ["proxy"])


def test_read_multipass_runs_the_stand_in_with_a_c_locale(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json", log=log)
    vms = read_multipass()
    assert [vm.name for vm in vms] == ["aplikasi1", "aplikasi2", "sinambela"]
    assert log.read_text() == "list --format json\n"


def test_multipass_failures_are_one_line_reasons(monkeypatch, tmp_path):
    use_stand_in_multipass(monkeypatch, exit=2, stderr=FIXTURES / "list-daemon-down.stderr.txt")
    with pytest.raises(HostError, match="cannot connect to the multipass socket"):
        read_multipass()
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("Name State IPv4\n")
    use_stand_in_multipass(monkeypatch, list=garbage)
    with pytest.raises(HostError, match="not its usual JSON"):
        read_multipass()
    monkeypatch.setenv("PATH", str(tmp_path))  # no multipass at all
    with pytest.raises(HostError, match="not installed"):
        read_multipass()


def test_a_hanging_multipass_is_given_up_on(monkeypatch):
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json", sleep=30)
    start = time.monotonic()
    with pytest.raises(HostError, match="did not answer within 0.5 s"):
        read_multipass(timeout=0.5)
    assert time.monotonic() - start < 5
