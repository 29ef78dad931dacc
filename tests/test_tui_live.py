"""Live checks in the lesson screen, against REAL nginx and backend processes (the `lab` fixture).

Uses the fixture lesson tests/fixtures/tui_live/lessons/01-live-lab: steps run-app (app-running),
notes (no checks), proxy (proxy-pass), balance (lb-distributes), failover (lb-failover).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Button, Static

from live_support import learner_nginx
from tui_live_support import SIZE, make_app
from tui_support import wait_for
from tutor.progress import DONE
from tutor.screens.lesson import LessonScreen
from tutor.settings import Settings
from tutor.widgets.check_panel import CheckPanel



PATIENT = 60.0  # seconds: a probe or nginx wait that a healthy lab answers well within, even under load


@pytest.fixture(autouse=True)
def fast_checks(monkeypatch):
    """Short probe timeouts keep these tests quick."""
    monkeypatch.setattr(CheckPanel, "TIMEOUT", 1.0)


def save_machines(hosts: dict[str, str], **more) -> None:
    """Write settings.json as the machines screen would, before the app starts."""
    settings, _ = Settings.load(Path(os.environ["TUTOR_DATA_DIR"]))
    settings.hosts = hosts
    for name, value in more.items():
        setattr(settings, name, value)
    assert settings.save() is None




async def open_step(pilot, step_id: str) -> CheckPanel:
    assert pilot.app.open_lesson("live-lab", step_id)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.step.id == step_id
    await wait_for(pilot, lambda: screen.current_view().check_panel is not None)
    return screen.current_view().check_panel


def row(panel: CheckPanel, check: str) -> tuple[str, str]:
    """(head, body) of a check's row as shown."""
    head = str(panel.query_one(f"#head-{check}", Static).content)
    body = str(panel.query_one(f"#body-{check}", Static).content)
    return head, body


def log_lines(lab) -> int:
    path = lab.tmp / "backends.log"
    return len(path.read_text().splitlines()) if path.exists() else 0


async def test_checks_pass_on_healthy_apps_and_mark_the_step_done(lab):
    app1, app2 = lab.backend("app1", "127.0.0.2"), lab.backend("app2", "127.0.0.3")
    save_machines({"app1": app1.address, "app2": app2.address})
    async with make_app().run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "run-app")
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
        head, body = row(panel, "app-running")
        assert head == "✓ passed  app-running"
        assert app1.address in body and app2.address in body
        assert pilot.app.progress.state("live-lab", "run-app") == DONE
        assert any("Every check passed" in n.message for n in pilot.app._notifications)


async def test_stopped_app_shows_refused_with_message_and_scenario_link(lab):
    app1, app2 = lab.backend("app1", "127.0.0.2"), lab.backend("app2", "127.0.0.3")
    app2.stop()
    save_machines({"app1": app1.address, "app2": app2.address})
    async with make_app("id").run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "run-app")
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
        head, body = row(panel, "app-running")
        assert head == "✗ gagal  app-running"  # no internal code reaches the learner
        assert app2.address in body and "npm start" in body  # the message says what to do, in Indonesian
        assert pilot.app.progress.state("live-lab", "run-app") != DONE
        sim_button = panel.query_one("#check-sim", Button)
        assert sim_button.display and "rp-app-stopped" in str(sim_button.label)
        # the app comes back: the next check (asked for) sees it
        app2.start()
        await pilot.click("#check-run")  # the "Check now" button does what k does
        assert await wait_for(pilot, lambda: row(panel, "app-running")[0].startswith("✓"))
        assert not panel.query_one("#check-sim", Button).display
        app2.stop()
        await pilot.press("k")
        assert await wait_for(pilot, lambda: row(panel, "app-running")[0].startswith("✗"))
        from tutor.simview import SimScreen

        await pilot.press("w")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, SimScreen))
        assert pilot.app.screen.error is None
        assert pilot.app.screen.panel.player.scenario.name == "rp-app-stopped"
        assert not panel.visible  # the step is covered: paused


async def test_checks_run_only_when_asked_never_on_open_nor_by_themselves(lab):
    """A check's requests would hide the failover a step asks the learner to watch: no run on
    opening a step with saved machines, none while it stays open, none on coming back; and a
    step whose checks would pass is not marked done before the learner asks."""
    app1 = lab.backend("app1", "127.0.0.2")
    save_machines({"app1": app1.address})
    async with make_app().run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "run-app")
        await pilot.pause(1.0)  # longer than the old first delay and re-run interval
        assert (log_lines(lab), panel.runs) == (0, 0)
        assert row(panel, "app-running")[0] == "○ not run  app-running"
        assert pilot.app.progress.state("live-lab", "run-app") != DONE
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.runs == 1 and not panel.running)
        assert pilot.app.progress.state("live-lab", "run-app") == DONE
        probes = log_lines(lab)
        assert probes > 0
        for leave, come_back in ((("n",), ("p",)), (("m",), ("escape",))):  # another step, another screen
            await pilot.press(*leave)
            await pilot.pause()
            assert not panel.visible
            await pilot.press(*come_back)
            assert await wait_for(pilot, lambda: panel.visible)
        pilot.app.app_suspend_signal.publish(pilot.app)
        pilot.app.app_resume_signal.publish(pilot.app)
        await pilot.pause(1.0)
        assert (log_lines(lab), panel.runs) == (probes, 1)


async def test_proxy_and_balance_steps_through_real_nginx(lab, monkeypatch):
    # every answer must come, however busy the machine: no timeout here is what is tested
    monkeypatch.setattr(CheckPanel, "TIMEOUT", PATIENT)
    app1, app2 = lab.backend("app1", "127.0.0.2"), lab.backend("app2", "127.0.0.3")
    nginx = learner_nginx(lab, [app1.address, app2.address], proxy_timeout=int(PATIENT))
    save_machines({"proxy": f"127.0.0.1:{nginx.port}", "app1": app1.address, "app2": app2.address})
    async with make_app().run_test(size=SIZE) as pilot:
        for step, check in (("proxy", "proxy-pass"), ("balance", "lb-distributes")):
            panel = await open_step(pilot, step)
            await pilot.press("k")
            assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
            assert row(panel, check)[0] == f"✓ passed  {check}", row(panel, check)
            assert pilot.app.progress.state("live-lab", step) == DONE
        assert len([r for r in nginx.access_log() if r["status"] == "200"]) >= 2


async def test_failover_step_offers_the_app_roles_and_uses_the_choice(lab):
    app1, app2 = lab.backend("app1", "127.0.0.2"), lab.backend("app2", "127.0.0.3")
    nginx = learner_nginx(lab, [app1.address, app2.address])
    save_machines({"proxy": f"127.0.0.1:{nginx.port}", "app1": app1.address, "app2": app2.address})
    app2.stop()
    async with make_app().run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "failover")
        stopped = panel.query_one("#check-stopped", Button)
        assert "auto" in str(stopped.label)
        await pilot.press("a")
        assert panel.stopped == "app1" and "app1" in str(stopped.label)
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
        assert row(panel, "lb-failover")[0] == "✗ failed  lb-failover"  # app1 still answers (no internal code)
        await pilot.press("a")  # app2: the one really stopped
        await pilot.press("k")
        assert await wait_for(pilot, lambda: row(panel, "lb-failover")[0].startswith("✓"))
        assert pilot.app.progress.state("live-lab", "failover") == DONE


async def test_missing_machines_say_which_role_and_offer_the_machines_screen():
    save_machines({"app1": "127.0.0.2:9"})
    async with make_app().run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "proxy")
        await pilot.press("k")
        assert await wait_for(pilot, lambda: "proxy-pass" in panel.blocked)
        head, body = row(panel, "proxy-pass")
        assert head == "– cannot run  proxy-pass" and "proxy" in body and "press m" in body
        await pilot.click("#check-machines")
        await pilot.pause()
        from tutor.screens.machines import MachinesScreen

        assert isinstance(pilot.app.screen, MachinesScreen)


def status_line(pilot) -> str:
    return str(pilot.app.screen.query_one("#status", Static).content)


async def test_status_line_agrees_with_the_panel_when_no_check_can_run():
    save_machines({"app1": "127.0.0.2:9"})
    async with make_app().run_test(size=SIZE) as pilot:
        panel = await open_step(pilot, "proxy")  # proxy-pass needs the proxy
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.problem is not None)
        assert status_line(pilot) == panel.problem and "Checking" not in status_line(pilot)


async def test_unusable_saved_machines_are_explained_in_indonesian():
    save_machines({"app1": "10.0.0.300"})
    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await open_step(pilot, "run-app")
        await pilot.press("k")
        assert "'10.0.0.300' bukan alamat IPv4 yang valid" in status_line(pilot)
        assert "Cek berjalan" not in status_line(pilot)


async def test_a_lesson_checks_only_the_app_vms_it_uses(lab):
    """Lesson 2 (reverse proxy) runs its app on app1 only; app2 is saved already (the lesson has
    the learner create and save all three VMs) but its app comes in lesson 3. app-running in
    lesson 2 passes on app1 alone and does not send the learner to start an app on app2."""
    from tutor.app import TutorApp

    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3", start=False)  # VM up, app not started yet
    save_machines({"app1": app1.address, "app2": app2.address})
    async with TutorApp(lang="id").run_test(size=SIZE) as pilot:
        assert pilot.app.open_lesson("reverse-proxy", "test-app-in-browser")
        await pilot.pause()
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.current_view().check_panel is not None)
        panel = screen.current_view().check_panel
        await pilot.press("k")
        assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
        head, body = row(panel, "app-running")
        assert head == "✓ lulus  app-running", body
        assert app1.address in body and app2.address not in body
        title = str(panel.query_one("#check-title", Static).content)
        assert app1.address in title and app2.address not in title


async def test_every_check_button_fits_at_80_columns(lab):
    """Lesson 3's one-server-dies has the most buttons (check, nginx config, machines, then the
    simulator of a failure and the stopped app): at 80x24 in Indonesian none is cut off."""
    from tutor.app import TutorApp

    app1, app2 = lab.backend("app1", "127.0.0.2"), lab.backend("app2", "127.0.0.3")
    nginx = learner_nginx(lab, [app1.address, app2.address])
    save_machines({"proxy": f"127.0.0.1:{nginx.port}", "app1": app1.address, "app2": app2.address})
    async with TutorApp(lang="id").run_test(size=(80, 24)) as pilot:
        assert pilot.app.open_lesson("load-balancing", "one-server-dies")
        await pilot.pause()
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.current_view().check_panel is not None)
        panel = screen.current_view().check_panel
        await pilot.press("k")  # both apps answer: lb-failover fails and offers its simulator
        assert await wait_for(pilot, lambda: panel.runs >= 1 and not panel.running)
        await pilot.pause()
        shown = [button for button in panel.query(Button) if button.display]
        assert {button.id for button in shown} == {"check-run", "check-nginx", "check-machines", "check-sim",
                                                   "check-stopped"}
        for button in shown:
            assert button.region.right <= panel.content_region.right, (button.id, str(button.label))
