"""A step's {predict} and {sim} blocks stand where the author put them (fixture tests/fixtures/tui_predict).

Step `guess`: text, a {predict} question, text, a {sim} block, text. Step `plain`: text only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Button, Markdown, Static

from tui_support import judged, wait_for
from tutor.app import TutorApp
from tutor.screens.lesson import LessonScreen
from tutor.simview import PredictPanel, SimPanel
from tutor.widgets.keybar import KeyBar
from tutor.widgets.step_view import SimLink

LESSONS = Path(__file__).parent / "fixtures" / "tui_predict" / "lessons"
TUI_LESSONS = Path(__file__).parent / "fixtures" / "tui" / "lessons"
SIZE = (100, 30)


def status(app: TutorApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


async def open_guess(pilot, step: str = "guess") -> LessonScreen:
    assert pilot.app.open_lesson("load-balancing", step)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    view = screen.current_view()
    await wait_for(pilot, lambda: bool(view.query(PredictPanel)) or step != "guess")
    await wait_for(pilot, lambda: all(md.children for md in view.query(Markdown) if md.source.strip()))
    await pilot.pause()
    return screen


async def test_the_question_stands_before_the_text_that_follows_it():
    async with TutorApp(lang="en", lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        view = screen.current_view()
        kinds = [type(child).__name__ for child in view.children if not child.has_class("hints", "solution-box")]
        assert kinds[:5] == ["StepMarkdown", "PredictSlot", "StepMarkdown", "SimLink", "StepMarkdown"]
        before, after = view.children[0], view.children[2]
        assert "Guess first:" in before.source and "AFTER-THE-QUESTION" not in before.source
        assert "AFTER-THE-QUESTION" in after.source
        panel = view.query_one(PredictPanel)
        assert before.region.y < panel.region.y < after.region.y
        assert not panel.sim.playing  # waits, paused, for the guess
        assert view.query_one(SimLink).region.y > after.region.y
        assert not view.query(".sim-note")  # lesson.toml's scenario is the question's: no extra simulator


async def test_choosing_an_answer_plays_the_run_then_reveals_the_explanation():
    async with TutorApp(lang="en", lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        panel = screen.current_view().query_one(PredictPanel)
        assert not panel.query_one("#pred-explanation").display
        await pilot.press("s")  # guess first: s points at the question
        assert "Guess first" in status(pilot.app)
        assert pilot.app.focused is panel.query_one("#pred-choice-0", Button)
        await pilot.press("tab", "enter")  # the second choice, the right one
        assert panel.picked == 1 and panel.sim.playing
        panel.sim.action_fast_forward()
        assert await wait_for(pilot, lambda: panel.has_class("-revealed"))
        await pilot.pause()
        assert panel.query_one("#pred-explanation").display
        assert "You predicted right" in str(panel.query_one("#pred-result").content)
        assert "verdict is above the simulator" in status(pilot.app)  # where it is drawn:
        assert panel.query_one("#pred-result").region.y < panel.sim.region.y
        assert pilot.app.focused is panel.sim  # the focus stays where the run put it: Esc leaves the
        assert screen.sim_has_focus()  # simulator, as the key bar said while it ran


async def test_a_sim_block_is_one_line_that_opens_the_simulator_in_place():
    async with TutorApp(lang="id", lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot)
        view = screen.current_view()
        link = view.query_one(SimLink)
        assert link.source.startswith("▶ **Lihat di simulator:** Request lewat *melalui* nginx.")
        assert link.panel is None and not [child for child in view.children if isinstance(child, SimPanel)]
        panel = view.query_one(PredictPanel)
        panel.choose(0)
        panel.sim.action_fast_forward()
        assert await wait_for(pilot, lambda: panel.has_class("-revealed"))
        await pilot.press("s")  # answered: s goes on to the {sim} block
        await pilot.pause()
        opened = [child for child in view.children if isinstance(child, SimPanel)]
        assert len(opened) == 1 and opened[0].player.title("en")
        assert view.children.index(opened[0]) == view.children.index(link) + 1
        assert "di tempatnya" in status(pilot.app)
        await pilot.press("n", "p")  # leaving the step closes it; the question keeps its answer
        await pilot.pause()
        assert not [child for child in view.children if isinstance(child, SimPanel)]
        assert view.query_one(PredictPanel).picked == 0


async def test_clicking_the_sim_line_opens_it():
    async with TutorApp(lang="en", lessons_root=LESSONS).run_test(size=(100, 60)) as pilot:
        screen = await open_guess(pilot)
        view = screen.current_view()
        await pilot.click(SimLink)
        await pilot.pause()
        assert view.query_one(SimLink).panel is not None and view.query_one(SimLink).panel.is_mounted


async def test_buttons_a_step_cannot_use_are_hidden():
    async with TutorApp(lang="id", lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot, "plain")
        hidden = {name: not screen.query_one(f"#btn-{name}", Button).display for name in ("hint", "solution", "copy", "sim")}
        assert hidden == {"hint": True, "solution": True, "copy": True, "sim": True}
        assert "Petunjuk 0/0" not in " ".join(str(b.label) for b in screen.query(Button) if b.display)
        await pilot.press("p")
        assert screen.query_one("#btn-sim", Button).display  # the guess step has a simulator
    async with TutorApp(lang="en", lessons_root=TUI_LESSONS).run_test(size=SIZE) as pilot:
        assert pilot.app.open_lesson("web-server", "install")  # two hints, a solution, commands
        await pilot.pause()
        shown = {name: pilot.app.screen.query_one(f"#btn-{name}", Button).display for name in ("hint", "solution", "copy")}
        assert shown == {"hint": True, "solution": True, "copy": True}


async def test_a_scenario_only_in_lesson_toml_opens_below_the_text_with_s():
    async with TutorApp(lang="en", lessons_root=LESSONS).run_test(size=SIZE) as pilot:
        screen = await open_guess(pilot, "extra")
        view = screen.current_view()
        assert view.query(".sim-note") and not view.query(SimPanel)
        await pilot.press("s")
        await pilot.pause()
        assert len(view.query_one(".sims").query(SimPanel)) == 1
        assert "below the text" in status(pilot.app)


async def test_a_missing_scenario_is_one_line_not_a_crash(tmp_path):
    lessons = tmp_path / "lessons"
    shutil.copytree(TUI_LESSONS, lessons)
    for name in ("en.md", "id.md"):  # the install step's {sim} now names a scenario that does not exist
        page = lessons / "01-web-server" / name
        page.write_text(page.read_text().replace(":::{sim} web-server-basic", ":::{sim} single"))
    async with TutorApp(lang="en", lessons_root=lessons).run_test(size=SIZE) as pilot:
        assert pilot.app.open_lesson("web-server", "install")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        broken = pilot.app.screen.current_view().query_one(SimLink).panel
        assert isinstance(broken, Static) and broken.has_class("sim-broken")
        assert "cannot open" in str(broken.render()) and "single" in str(broken.render())


async def test_indonesian_home_says_materi():
    async with TutorApp(lang="id", lessons_root=TUI_LESSONS).run_test(size=SIZE) as pilot:
        screen = pilot.app.screen
        assert str(screen.query_one("#home-intro", Static).render()) == "Pilih materi dengan ↑ ↓ lalu tekan Enter."
        assert screen.query_one("#lessons").border_title == "Materi"


async def test_key_bar_fits_the_width_and_keeps_whole_entries():
    for width, expect_palette in ((80, False), (120, True)):
        async with TutorApp(lang="id", lessons_root=TUI_LESSONS).run_test(size=(width, 24)) as pilot:
            assert pilot.app.open_lesson("web-server", "install")  # a step with checks: `k cek` is shown
            await pilot.pause()
            bar = pilot.app.screen.query_one(KeyBar)
            text = str(bar.render())
            assert "k cek" in text
            assert len(text) <= bar.content_size.width and "…" not in text
            assert text.startswith("F1 bantuan") and text.rstrip().endswith(("English", "perintah"))
            assert ("^p perintah" in text) is expect_palette


async def test_key_bar_offers_the_check_key_only_on_steps_with_checks():
    async with TutorApp(lang="en", lessons_root=TUI_LESSONS).run_test(size=(120, 24)) as pilot:
        assert pilot.app.open_lesson("web-server", "intro")
        await pilot.pause()
        bar = pilot.app.screen.query_one(KeyBar)
        assert "k check" not in str(bar.render())
        await pilot.press("n")  # install: has app-running
        await pilot.pause()
        assert "k check" in str(bar.render())


async def test_lesson_one_quiz_judges_at_once_not_after_the_600_s_run():
    """Lesson 1's quiz plays a 600 s scenario at 4x: the verdict used to wait 150 s for it."""
    async with TutorApp(lang="id").run_test(size=(80, 24)) as pilot:
        assert pilot.app.open_lesson("web-server", "quiz")
        screen = pilot.app.screen
        assert await wait_for(pilot, lambda: screen.current_view() is not None
                              and bool(screen.current_view().query(PredictPanel)))
        panel = screen.current_view().query_one(PredictPanel)
        assert panel.sim.player.scenario.duration >= 600
        panel.choose(0)
        await judged(pilot, panel)  # the headless run's result, however long a busy machine takes for it
        assert panel.has_class("-revealed")
        assert not panel.sim.player.frame.finished and panel.sim.player.frame.t < 600
        assert "Seluruh simulasi:" in str(panel.query_one("#pred-result").content)
