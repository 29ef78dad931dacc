"""A question's answer is saved when given and shown again, with its verdict, on re-entry
(fixture tests/fixtures/tui_predict): one Esc too many never loses it."""

from __future__ import annotations

from textual.widgets import Button

from test_tui_predict import LESSONS, SIZE, open_guess
from tui_support import wait_for
from tutor.app import TutorApp
from tutor.progress import Progress
from tutor.screens.home import HomeScreen
from tutor.simview import PredictPanel


async def test_an_answer_survives_esc_after_the_verdict_and_a_restart(tmp_path):
    async with TutorApp(lang="en", data_dir=tmp_path, lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        panel = screen.current_view().query_one(PredictPanel)
        await pilot.press("s", "tab", "enter")  # the second choice
        assert panel.picked == 1
        assert Progress.load(tmp_path)[0].answers("load-balancing", "guess") == {0: 1}  # saved when given
        focused = pilot.app.focused
        panel.sim.action_fast_forward()
        assert await wait_for(pilot, lambda: panel.has_class("-revealed"))
        await pilot.pause()
        assert pilot.app.focused is focused  # the verdict does not move the focus
        for _ in range(3):  # Esc until home, however many it takes
            if isinstance(pilot.app.screen, HomeScreen):
                break
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(pilot.app.screen, HomeScreen)
        screen = await open_guess(pilot)
        again = screen.current_view().query_one(PredictPanel)
        assert again is not panel and again.picked == 1 and again.has_class("-revealed")
        assert again.query_one("#pred-choice-1", Button).has_class("-picked")
        assert "You predicted right" in str(again.query_one("#pred-result").content)
        assert not again.sim.playing  # shown answered, the run waits for "Again"
    async with TutorApp(lang="id", data_dir=tmp_path, lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        panel = screen.current_view().query_one(PredictPanel)
        assert panel.picked == 1 and panel.has_class("-revealed")
        assert screen.choices_in_sight() == []  # ↓ scrolls: the question is answered


async def test_resetting_the_step_forgets_its_answers(tmp_path):
    async with TutorApp(lang="en", data_dir=tmp_path, lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        screen.current_view().query_one(PredictPanel).choose(0)
        await pilot.pause()
        assert pilot.app.progress.answers("load-balancing", "guess") == {0: 0}
        pilot.app.progress.reset_step("load-balancing", "guess")
        assert pilot.app.progress.answers("load-balancing", "guess") == {}


def test_hostile_saved_answers_move_the_file_aside(tmp_path):
    import json

    for answers in ({"guess": {"0": -1}}, {"guess": {"x": 1}}, {"guess": [1]}, {"guess": {"0": True}}):
        (tmp_path / "progress.json").write_text(json.dumps(
            {"version": 1, "lessons": {"l": {"steps": {}, "answers": answers}}}))
        progress, backup = Progress.load(tmp_path)
        assert backup is not None and progress.answers("l", "guess") == {}
    (tmp_path / "progress.json").write_text(json.dumps(
        {"version": 1, "lessons": {"l": {"steps": {}, "answers": {"guess": {"1": 2}}}}}))
    progress, backup = Progress.load(tmp_path)
    assert backup is None and progress.answers("l", "guess") == {1: 2}



