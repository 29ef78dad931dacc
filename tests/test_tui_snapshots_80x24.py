"""Every other screen at 80x24 in both languages: machines, the command palette, a confirmation,
the simulator (mid-run, end of run, presenter), and a step whose simulator has focus. Each SVG was
looked at (converted to PNG) before it was committed."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from test_tui_snapshots import FIXTURES, PREDICT_FIXTURES, settle
from tutor.app import TutorApp
from tutor.simview import SimPanel, SimScreen

LANGS = ["id", "en"]
SIZE = (80, 24)


@pytest.fixture(autouse=True)
def no_background_prefetch(monkeypatch):
    monkeypatch.setattr("tutor.screens.lesson.PREFETCH_DELAY", 3600.0)


def no_blink(app) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False


@pytest.mark.parametrize("lang", LANGS)
def test_machines(snap_compare, lang):
    async def run_before(pilot):
        pilot.app.open_machines()
        await settle(pilot)
        no_blink(pilot.app)
        pilot.app.screen.field("app1").value = "http://10.0.0.1:3000/"
        await pilot.press("enter")  # saved, with the note that the URL was trimmed
        await settle(pilot)

    assert snap_compare(TutorApp(lang=lang, lessons_root=FIXTURES), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_confirm_reset(snap_compare, lang):
    async def run_before(pilot):
        pilot.app.open_lesson("web-server", "install")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)

    assert snap_compare(TutorApp(lang=lang, lessons_root=FIXTURES), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("moment", ["mid-run", "end", "presenter"])
def test_simulator(snap_compare, lang, moment):
    async def run_before(pilot):
        app = pilot.app
        app.push_screen(SimScreen("lb-poweroff", lang=lang, playing=False, timer=False))
        await settle(pilot)
        panel = app.screen.panel
        panel.presenter = moment == "presenter"
        if moment == "end":
            panel.player.fast_forward()
            panel.tick()
        else:
            panel.player.advance_by(30.0)
            panel.redraw(full=True)
        await settle(pilot)

    assert snap_compare(TutorApp(lang=lang, lessons_root=FIXTURES), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("lang", LANGS)
def test_step_with_the_simulator_focused(snap_compare, lang):
    async def run_before(pilot):
        app = pilot.app
        app.open_lesson("load-balancing", "guess")
        await settle(pilot)
        view = app.screen.current_view()
        await view.open_link(view.query_one("SimLink"))
        await settle(pilot)
        panel = view.query_one(SimPanel)
        panel.action_restart()  # from t=0, then stepped by hand: no wall clock in the picture
        panel.playing = False
        panel.player.advance_by(5.0)
        panel.animator.clear()
        panel.redraw(full=True)
        panel.focus()
        view.scroll_to_widget(panel, top=True, animate=False)
        await settle(pilot)

    assert snap_compare(TutorApp(lang=lang, lessons_root=PREDICT_FIXTURES), terminal_size=SIZE,
                        run_before=run_before)
