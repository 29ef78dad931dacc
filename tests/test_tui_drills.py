"""The drills screen of the TUI: reached from home (d) and the palette, lists every drill with the
ones solved, and shows what to type where it cannot act on the lab; on a lab (root) it starts,
hints, checks and gives up a drill, saying what `tutor drill` says."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.drills import session
from tutor.screens.drills import DrillsScreen

SIZE = (100, 30)


def detail(app) -> str:
    return str(app.screen.query_one("#drill-detail", Static).render())


async def test_home_d_opens_the_drills_with_the_solved_ones_marked(monkeypatch):
    data = Path(os.environ["TUTOR_DATA_DIR"])
    (data / "drills.json").write_text(json.dumps({"version": 1, "runs": [
        {"drill": "app-stopped", "outcome": "solved", "seconds": 125, "hints": 1, "seed": 1, "variant": 1}]}))
    monkeypatch.setattr("tutor.screens.drills.lab_unavailable", lambda: "why.not_root")
    app = TutorApp(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert await wait_for(pilot, lambda: app.screen.query_one("#drills", OptionList).option_count > 0)
        assert isinstance(app.screen, DrillsScreen)
        drills = app.screen.query_one("#drills", OptionList)
        assert drills.option_count == len(session.catalogue()[0])
        labels = [str(drills.get_option_at_index(i).prompt) for i in range(drills.option_count)]
        assert [label.startswith("✓") for label in labels].count(True) == 1
        assert any(label.startswith("✓ Always the same app") for label in labels)
        drills.highlighted = [o.id for o in drills._options].index("app-stopped")
        assert await wait_for(pilot, lambda: "Solved 1 time(s); last in 2 min 5 s with 1 hint(s)" in detail(app))
        await pilot.press("enter")  # not root: no lab action, the command to type instead
        number = [o.id for o in drills._options].index("app-stopped") + 1
        assert await wait_for(pilot, lambda: f"sudo tutor drill start {number}" in detail(app))
        assert "does not run as root" in detail(app)
        await pilot.press("k")
        assert await wait_for(pilot, lambda: "sudo tutor drill check" in detail(app))
        await pilot.press("f2")
        title = app.screen.query_one("#drills-title", Static)
        assert await wait_for(pilot, lambda: "Latihan perbaikan di lab" in str(title.render()))
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not isinstance(app.screen, DrillsScreen))


async def test_the_palette_opens_the_drills():
    app = TutorApp(lang="id")
    async with app.run_test(size=SIZE) as pilot:
        app.open_drills()
        assert await wait_for(pilot, lambda: "Latihan" in app.screen.query_one("#drills", OptionList).border_title)
        assert isinstance(app.screen, DrillsScreen)


@pytest.mark.lab
async def shown_and_kept(pilot, app, words: str) -> bool:
    """`words` appear in the drill pane and are still there after the app has handled what followed
    (a refreshed list must not wipe what an action said)."""
    if not await wait_for(pilot, lambda: words in detail(app), limit=600):
        return False
    for _ in range(10):
        await pilot.pause()
    return words in detail(app)


async def test_on_the_lab_the_screen_runs_a_drill(netlab, monkeypatch):
    from tutor.drills import actions

    monkeypatch.setattr("tutor.screens.drills.lab_unavailable", lambda: None)
    from tutor.lab.lab import Lab

    monkeypatch.setattr(Lab, "as_built", classmethod(lambda cls, prefix=None: netlab))
    app = TutorApp(lang="en")
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.open_drills()
            assert await wait_for(pilot, lambda: app.screen.query_one("#drills", OptionList).option_count > 0)
            drills = app.screen.query_one("#drills", OptionList)
            drills.highlighted = [o.id for o in drills._options].index("app-stopped")
            await pilot.press("enter")
            await pilot.press("y")
            assert await shown_and_kept(pilot, app, "Reported:")
            assert "press k" in detail(app) and "sudo tutor drill" not in detail(app)
            running = session.current(netlab)
            app_name = running.values()["app"]
            assert netlab.app_pid(app_name) is None
            await pilot.press("h")
            assert await shown_and_kept(pilot, app, "Hint 1/3")
            netlab.start(app_name)
            deadline = time.monotonic() + 25
            while "Solved in" not in detail(app) and time.monotonic() < deadline:
                await pilot.press("k")
                await wait_for(pilot, lambda: "Working" not in detail(app), limit=600)
            assert await shown_and_kept(pilot, app, "The lesson step that teaches it")
            assert "Solved in" in detail(app)
    finally:
        actions.restore(netlab, session.catalogue()[1])


@pytest.mark.parametrize("error", ["drill", "lab"])
async def test_a_failed_action_says_why_in_the_learners_language(monkeypatch, error):
    from tutor.drills.actions import ActionFailed
    from tutor.lab.errors import LabError

    def fail(action, name, lang, how):
        if error == "drill":
            raise ActionFailed("baseline", why="nginx: [emerg]")
        raise LabError("not_up", prefix="tl")

    monkeypatch.setattr("tutor.screens.drills.lab_unavailable", lambda: None)
    monkeypatch.setattr("tutor.screens.drills._act_on_lab", fail)
    app = TutorApp(lang="id")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        assert await wait_for(pilot, lambda: app.screen.query_one("#drills", OptionList).option_count > 0)
        await pilot.press("k")
        expected = (ActionFailed("baseline", why="nginx: [emerg]") if error == "drill"
                    else LabError("not_up", prefix="tl")).message("id")
        assert await wait_for(pilot, lambda: expected in detail(app), limit=100)
