"""Focus across steps and languages (fixture tests/fixtures/tui_predict): F2 keeps an open
simulator and its run; a focused button does not outlive its step; F1 lists Esc once; the
first Tab in a wide layout goes to the step, not the step list."""

from __future__ import annotations

from test_tui_focus import LESSONS, open_sim_block, status
from tui_support import wait_for
from tutor.app import TutorApp
from tutor.keymap import help_rows
from tutor.widgets.step_view import SimLink


async def test_f2_with_the_simulator_focused_keeps_it_and_its_run():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_sim_block(pilot, "en")
        panel.focus()
        await pilot.press("s")  # stop server 1: the run's own state
        assert await wait_for(pilot, lambda: panel.player.frame.servers[0].state == "stopped")
        await pilot.press("f2")
        await pilot.pause()
        assert app.lang == "id"
        kept = screen.current_view()
        assert panel.is_attached and kept is panel.parent
        assert panel.player.frame.servers[0].state == "stopped" and app.focused is panel
        assert await wait_for(pilot, lambda: panel.lang == "id")  # the simulator speaks Indonesian
        assert "Simulator jalan terus" in status(app)
        panel.blur()
        await pilot.press("n", "p")  # leaving the step: it is built again, in Indonesian
        await pilot.pause()
        view = screen.current_view()
        assert view.lang == "id" and view is not kept and view.query_one(SimLink).panel is None


async def test_a_focused_button_does_not_answer_for_the_next_steps_question():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.open_lesson("load-balancing", "plain")
        await pilot.pause()
        app.screen.query_one("#btn-prev").focus()
        await pilot.press("enter")  # the guess step, through the focused button
        screen = app.screen
        assert await wait_for(pilot, lambda: screen.step.id == "guess" and bool(screen.choices_in_sight()))
        assert app.focused is None
        await pilot.press("down", "down", "enter")
        panel = screen.current_view().query_one("PredictPanel")
        assert panel.picked == 1 and "hint" not in status(app).lower()


async def test_help_lists_esc_once_whatever_has_the_focus():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_sim_block(pilot, "en")
        for focus in (None, panel):
            screen.set_focus(focus)
            await pilot.pause()
            own, _ = help_rows(screen, "en")
            assert len([key for key, _ in own if key.startswith("Esc")]) == 1, own


async def test_the_first_tab_in_a_wide_layout_goes_to_the_simulator():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, panel = await open_sim_block(pilot, "en")
        view = screen.current_view()
        view.query_one("PredictPanel").choose(0)  # answered: Tab has no choices to go to
        view.scroll_to_widget(panel, animate=False, top=True)
        await pilot.pause()
        screen.set_focus(None)
        assert not screen.query_one("StepList").has_class("-hidden")
        await pilot.press("tab")
        focused = screen.focused  # the step's own part (its "Again" or the simulator), never the step list
        assert focused is not None and view in focused.ancestors_with_self
        assert screen.query_one("StepList") not in focused.ancestors_with_self


