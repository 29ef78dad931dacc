"""Snapshots of the simulator screen in a seeded, paused state (stepped by hand, no wall clock)."""

from __future__ import annotations

import pytest

from support.play_app import PlayApp
from tui_support import judged


def stepped_to(t: float, **panel_settings):
    """A `run_before` that steps the demo (app2 stops at t=30) to `t` and leaves it paused."""

    async def run_before(pilot) -> None:
        panel = pilot.app.screen.panel
        for name, value in panel_settings.items():
            setattr(panel, name, value)
        while panel.player.frame.t < t - 1e-9:
            panel.step()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_demo_after_app2_stopped(snap_compare, lang, size):
    app = PlayApp(None, lang=lang, timer=False, playing=False)
    assert snap_compare(app, terminal_size=size, run_before=stepped_to(33.0))


def test_presenter_layout_with_colour_blind_palette(snap_compare):
    app = PlayApp(None, lang="en", timer=False, playing=False)
    assert snap_compare(app, terminal_size=(120, 40),
                        run_before=stepped_to(33.0, presenter=True, colorblind=True, reduced_motion=True))


def test_summary_at_the_end(snap_compare):
    async def run_before(pilot) -> None:
        panel = pilot.app.screen.panel
        panel.player.fast_forward()
        panel.step()
        await pilot.pause()

    app = PlayApp(None, lang="en", timer=False, playing=False)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_predict_panel_after_the_answer(snap_compare):
    from textual.app import App

    from sim import scenario_from_dict
    from tutor.lessons.model import Choice, Predict
    from tutor.simview import PredictPanel

    scenario = scenario_from_dict({"scenario": {"seed": 3, "duration": 20.0},
                                   "event": [{"at": 5.0, "server": "app2", "action": "stop"}]})
    predict = Predict(scenario, "app2 stops at t=5. What do the clients get?",
                      (Choice("Some 502 errors", False), Choice("Only 200 OK", True)),
                      "nginx retries a refused connection on the next server, so clients see no error.")

    class PredictApp(App):
        def compose(self):
            yield PredictPanel(predict, "en", timer=False)

    async def run_before(pilot) -> None:
        panel = pilot.app.query_one(PredictPanel)
        panel.choose(0)
        panel.sim.player.fast_forward()
        panel.sim.step()
        await judged(pilot, panel)  # the headless run that judges the pick (a worker thread)
        await pilot.pause()

    assert snap_compare(PredictApp(), terminal_size=(100, 50), run_before=run_before)
