"""The machines screen's "use the lab": the lab's addresses, and where checks can reach them."""

from __future__ import annotations

import pytest

from support.lab_hooks import add_client
from tui_live_support import SIZE, make_app
from tui_support import wait_for
from tutor.screens.machines import MachinesScreen

pytestmark = pytest.mark.lab


def status(screen) -> str:
    return str(screen.query_one("#machines-status").content)


async def test_use_the_lab_fills_the_running_machines_and_says_where_checks_reach_them(netlab, monkeypatch):
    netlab.poweroff("app3")  # a switched-off VM has no address to use
    monkeypatch.setenv("TUTOR_LAB_PREFIX", netlab.prefix)
    async with make_app("id").run_test(size=SIZE) as pilot:
        await pilot.press("m")
        screen = pilot.app.screen
        assert isinstance(screen, MachinesScreen)
        await pilot.press("ctrl+n")
        assert await wait_for(pilot, lambda: "Dari lab" in status(screen))
        assert {role: screen.field(role).value for role in ("proxy", "app1", "app2", "app3", "domain")} == {
            "proxy": "10.37.19.64", "app1": "10.37.19.46", "app2": "10.37.19.182", "app3": "", "domain": "hasil.xyz"}
        assert "sudo tutor lab shell laptop" in status(screen)  # this test runs outside the lab
        await pilot.press("enter")
        assert pilot.app.settings.hosts == {"proxy": "10.37.19.64", "app1": "10.37.19.46", "app2": "10.37.19.182"}


async def test_use_the_lab_without_a_lab_says_how_to_start_it(monkeypatch):
    from netlab_support import require_lab

    require_lab()
    monkeypatch.setenv("TUTOR_LAB_PREFIX", "tnolab")
    async with make_app("en").run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await pilot.press("ctrl+n")
        screen = pilot.app.screen
        assert await wait_for(pilot, lambda: "sudo tutor lab up" in status(screen))
        assert screen.field("proxy").value == ""


def test_a_user_inside_the_labs_laptop_sees_the_machines_without_root(netlab):
    import sys

    from tutor.lab.lab import _SOURCE_ROOT

    python = next((candidate for candidate in (sys.executable, "/usr/bin/python3")
                   if netlab.exec("laptop", ["runuser", "-u", "nobody", "--", candidate, "-c", "pass"]).returncode == 0),
                  None)
    if python is None:
        pytest.skip("no Python that the user nobody may run")
    add_client(netlab, "client2")  # a test-only machine: not one of the learner's, so not listed
    code = ("import os; from tutor.lab import Lab; lab = Lab(os.environ['P']); "
            "print(os.geteuid() != 0, lab.inside('laptop'), [(m.role, m.address) for m in lab.seen_from_inside()])")
    done = netlab.exec("laptop", ["runuser", "-u", "nobody", "--", "env", f"PYTHONPATH={_SOURCE_ROOT}",
                                 f"P={netlab.prefix}", python, "-c", code])
    assert done.stdout.strip() == ("True True [('laptop', '10.37.19.1'), ('proxy', '10.37.19.64'), "
                                   "('app1', '10.37.19.46'), ('app2', '10.37.19.182'), ('app3', '10.37.19.48')]"), \
        done.stderr
