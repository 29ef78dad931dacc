"""The twin from the app: Ctrl+P offers it on the simulator and on a lesson step with a scenario once
machines are saved; on the lab's machines (root) it runs the twin screen to a result."""

from __future__ import annotations

import dataclasses

import pytest

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.scenarios import runnable
from tutor.screens.palette import TutorCommands
from tutor.twin.screen import TwinScreen

SIZE = (120, 40)


def twin_command(app):
    provider = TutorCommands(app.screen)
    return next((callback for name, callback, _help in provider._commands() if name.startswith("Twin")), None)


async def test_the_twin_is_offered_only_with_saved_machines():
    app = TutorApp(lang="en", play=(runnable("lb-tutorial"), None))
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.screen.panel is not None)
        assert twin_command(app) is None
        app.settings.hosts = {"proxy": "127.0.0.1:9", "app1": "127.0.0.2:9"}
        assert twin_command(app) is not None


async def test_a_lesson_step_with_a_scenario_offers_the_twin():
    app = TutorApp(lang="en")
    app.settings.hosts = {"proxy": "127.0.0.1:9"}
    async with app.run_test(size=SIZE) as pilot:
        assert app.open_lesson("load-balancing", "see-round-robin")
        assert await wait_for(pilot, lambda: app.screen.step.id == "see-round-robin")
        assert twin_command(app) is not None
        assert app.open_lesson("load-balancing", "check-vm-ips")  # no scenario there
        assert await wait_for(pilot, lambda: app.screen.step.id == "check-vm-ips")
        assert twin_command(app) is None


async def test_saved_machines_without_a_proxy_are_told_in_the_learners_language_not_opened():
    app = TutorApp(lang="id", play=(runnable("lb-tutorial"), None))
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.screen.panel is not None)
        app.settings.hosts = {"app1": "127.0.0.2:9"}
        twin_command(app)()
        assert await wait_for(pilot, lambda: any("--host proxy=ALAMAT" in str(n.message) for n in app._notifications))
        assert not isinstance(app.screen, TwinScreen)


@pytest.mark.lab
async def test_from_the_simulator_the_twin_runs_on_the_labs_machines(netlab, monkeypatch):
    from lab_sites import add_hosts_line, lb_site, write_site
    from tutor.lab.lab import Lab

    write_site(netlab, lb_site(("app1", "app2")))
    add_hosts_line(netlab, "10.37.19.64 hasil.xyz")
    monkeypatch.setattr(Lab, "as_built", classmethod(lambda cls, prefix=None: netlab))
    short = dataclasses.replace(runnable("lb-tutorial"), duration=3.0)
    app = TutorApp(lang="en", play=(short, None))
    app.settings.hosts = dict(spec.split("=", 1) for spec in netlab.host_specs(("proxy", "app1", "app2")))
    app.settings.lab = True
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_for(pilot, lambda: app.screen.panel is not None)
        twin_command(app)()
        assert await wait_for(pilot, lambda: isinstance(app.screen, TwinScreen))
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.result is not None or screen.error is not None, limit=1200)
        assert screen.error is None, screen.error
        assert screen.result["side"] == "lab" and screen.result["sender"]["sent"] > 0
