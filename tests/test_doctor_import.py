"""Choosing a multipass VM's address (the code path of `tutor check --multipass`, the machines
screen's Ctrl+O and `tutor doctor`), with real bounded connects on loopback only: 127.0.0.x
listeners this test starts and closes."""

from __future__ import annotations

import argparse
import json
import socket
from contextlib import contextmanager

import pytest
from textual.widgets import Static

from live_support import use_stand_in_multipass
from tui_live_support import SIZE, make_app
from tui_support import wait_for
from tutor.doctor import network
from tutor.doctor.finding import Context
from tutor.doctor.vms import Seen
from tutor.live import multipass
from tutor.cli.check import prepare
from tutor.live.multipass import VM, address_note, with_addresses
from tutor.screens.machines import MachinesScreen


@contextmanager
def listener(host: str):
    """A TCP listener on host:(free port) for the duration of the block; yields the port."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def closed_port(host: str) -> int:
    """A port on host that nothing listens on (bound, then released)."""
    with listener(host) as port:
        pass
    return port


def test_reach_answers_and_refusals_on_loopback():
    with listener("127.0.0.2") as port:
        assert multipass.reach("127.0.0.2", port) == multipass.Reach("127.0.0.2", port, True)
    refused = multipass.reach("127.0.0.2", port)
    assert (refused.ok, refused.error) == (False, "ECONNREFUSED")


def test_with_several_addresses_the_one_that_answers_is_used():
    with listener("127.0.0.3") as port:
        choice = multipass.choose(("127.0.0.2", "127.0.0.3"), ports=(port,))
    assert (choice.address, choice.why, choice.port) == ("127.0.0.3", "answered", port)
    assert [(r.host, r.ok) for r in choice.tried] == [("127.0.0.2", False), ("127.0.0.3", True)]


def test_ports_are_tried_in_order_before_the_next_port():
    with listener("127.0.0.2") as late, listener("127.0.0.3") as early:
        choice = multipass.choose(("127.0.0.2", "127.0.0.3"), ports=(early, late))
    assert (choice.address, choice.port) == ("127.0.0.3", early)


def test_when_nothing_answers_the_first_usable_address_is_used():
    port = closed_port("127.0.0.2")
    choice = multipass.choose(("10.0.2.15", "127.0.0.2", "127.0.0.3"), ports=(port,))
    assert (choice.address, choice.why) == ("127.0.0.2", "preferred")
    assert [r.host for r in choice.tried] == ["127.0.0.2", "127.0.0.3"]  # 10.0.2.15 is never tried


@pytest.mark.parametrize("ipv4, address, why", [
    ((), None, "none"),
    (("10.0.2.15",), None, "nat_only"),
    (("10.0.2.15", "172.17.0.1"), None, "nat_only"),
    (("10.0.2.15", "192.168.1.46"), "192.168.1.46", "only"),
    (("10.37.19.64", "172.17.0.1"), "10.37.19.64", "only"),
])
def test_addresses_chosen_without_trying(ipv4, address, why):
    choice = multipass.choose(ipv4)
    assert (choice.address, choice.why, choice.tried) == (address, why, ())


def test_the_doctor_reaches_vms_on_loopback(monkeypatch):
    ctx = Context(lang="en", system="Linux")
    seen = Seen(roles={"app1": VM("app1", "Running", ("127.0.0.2",))})
    with listener("127.0.0.2") as port:
        monkeypatch.setattr(network, "SSH", port)
        monkeypatch.setattr(network, "APP_PORT", port)
        [found] = network.probe(ctx, seen)
    assert (found.code, found.severity, found.evidence[str(port)]) == ("vm_reachable", "ok", "open")


def test_a_refused_service_port_is_not_an_unreachable_vm(monkeypatch):
    ctx = Context(lang="en", system="Linux")
    seen = Seen(roles={"app1": VM("app1", "Running", ("127.0.0.2",))})
    with listener("127.0.0.2") as ssh_like:
        monkeypatch.setattr(network, "SSH", ssh_like)
        monkeypatch.setattr(network, "APP_PORT", closed_port("127.0.0.2"))
        [found] = network.probe(ctx, seen)
    assert found.code == "port_closed" and found.severity == "info"


def nat_and_several(tmp_path, port_holder: str):
    listing = {"list": [
        {"name": "proxy", "state": "Running", "ipv4": ["127.0.0.2", port_holder], "release": "Ubuntu 22.04 LTS"},
        {"name": "app1", "state": "Running", "ipv4": ["10.0.2.15"], "release": "Ubuntu 22.04 LTS"},
        {"name": "app2", "state": "Running", "ipv4": ["127.0.0.5"], "release": "Ubuntu 22.04 LTS"},
    ]}
    path = tmp_path / "list.json"
    path.write_text(json.dumps(listing), encoding="utf-8")
    return path


def test_check_multipass_imports_the_reached_address_and_explains_the_nat_only_vm(monkeypatch, tmp_path, capsys):
    with listener("127.0.0.3") as port:
        monkeypatch.setattr(multipass, "REACH_PORTS", (port,))
        use_stand_in_multipass(monkeypatch, list=nat_and_several(tmp_path, "127.0.0.3"))
        args = argparse.Namespace(timeout=3.0, host=[], domain=None, multipass=True, checks=[], lang="en")
        machines, _checks = prepare(args, ask=lambda prompt: "")
    err = capsys.readouterr().err
    assert {role: m.host for role, m in machines.by_role.items()} == {"proxy": "127.0.0.3", "app2": "127.0.0.5"}
    assert f"using 127.0.0.3: it answered on port {port}" in err
    assert "app1 is not imported: its only IPv4 (10.0.2.15) is VirtualBox's NAT network" in err
    assert 'multipass launch 22.04 --name app1 --network "<Name from multipass networks>"' in err


def test_address_notes_in_indonesian():
    nat = VM("app1", "Running", ("10.0.2.15",))
    assert address_note(nat, "id").startswith("app1 tidak diimpor: satu-satunya IPv4-nya (10.0.2.15)")
    assert address_note(VM("app1", "Running", ("192.168.64.3",)), "id") is None
    [stopped] = with_addresses([VM("app2", "Stopped", ())])
    assert stopped.choice is None and address_note(stopped, "en") is None


async def test_ctrl_o_fills_the_reached_address_and_leaves_the_nat_only_vm_empty(monkeypatch, tmp_path):
    with listener("127.0.0.3") as port:
        monkeypatch.setattr(multipass, "REACH_PORTS", (port,))
        use_stand_in_multipass(monkeypatch, list=nat_and_several(tmp_path, "127.0.0.3"))
        async with make_app().run_test(size=SIZE) as pilot:
            pilot.app.open_machines()
            await pilot.pause()
            screen = pilot.app.screen
            assert isinstance(screen, MachinesScreen)
            await pilot.press("ctrl+o")
            status = lambda: str(screen.query_one("#machines-status", Static).content)  # noqa: E731
            assert await wait_for(pilot, lambda: "From multipass" in status())
            values = {role: screen.field(role).value for role in ("proxy", "app1", "app2")}
            assert values == {"proxy": "127.0.0.3", "app1": "", "app2": "127.0.0.5"}
            assert "app1 is not imported" in status() and "answered on port" in status()


def test_a_spent_budget_takes_the_preferred_address_without_trying():
    vms = [VM(f"vm{i}", "Running", ("127.0.0.2", "127.0.0.3")) for i in range(3)]
    chosen = with_addresses(vms, budget=0)
    assert [(vm.ip, vm.choice.tried) for vm in chosen] == [("127.0.0.2", ())] * 3
    assert "no time left to try them" in address_note(chosen[0], "en")
