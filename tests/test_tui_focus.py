"""Keys in a step with a simulator: the lesson's keys keep their meaning until the learner moves
into the simulator (Tab or a click); then its keys act and the key bar says so; Esc leaves it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.screens.lesson import LessonScreen
from tutor.simview import SimPanel
from tutor.widgets.keybar import KeyBar
from tutor.widgets.step_view import SimLink

LESSONS = Path(__file__).parent / "fixtures" / "tui_predict" / "lessons"


def bar(app) -> str:
    return str(app.screen.query_one(KeyBar).render())


def status(app) -> str:
    return str(app.screen.query_one("#status", Static).render())


async def open_sim_block(pilot, lang: str) -> tuple[LessonScreen, SimPanel]:
    """Step `guess` of the predict fixture, its {sim} block opened in place by a click."""
    app = pilot.app
    assert app.open_lesson("load-balancing", "guess")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    view = screen.current_view()
    assert await wait_for(pilot, lambda: bool(view.query(SimLink)) and view.query_one(SimLink).region.height > 0)
    await view.open_link(view.query_one(SimLink))
    assert await wait_for(pilot, lambda: bool(view.query(SimPanel)))
    return screen, view.query_one(SimPanel)


async def open_lesson_one_simulator(pilot) -> tuple[LessonScreen, SimPanel]:
    """Lesson 1 step 1, its simulator opened with `s` and focused."""
    app = pilot.app
    assert app.open_lesson("web-server", None)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await pilot.press("s")
    assert await wait_for(pilot, lambda: bool(screen.current_view().query(SimPanel)))
    panel = screen.current_view().query_one(SimPanel)
    panel.focus()
    return screen, panel


async def test_the_simulator_acts_only_with_focus_and_esc_leaves_it():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_sim_block(pilot, "en")
        policy = panel.player.frame.policy
        await pilot.press("p")  # the lesson's "previous step" (this is the first), not "policy"
        assert "first step" in status(app) and panel.player.frame.policy == policy
        assert "back" in bar(app)

        panel.focus()  # Tab or a click puts the learner in the simulator
        assert await wait_for(pilot, lambda: "leave the simulator" in bar(app))
        await pilot.press("s", "p")  # now the simulator's "stop server 1" and "policy"
        assert await wait_for(pilot, lambda: panel.player.frame.servers[0].state == "stopped")
        assert panel.player.frame.policy != policy

        await pilot.press("escape")  # one key out; still in the lesson
        assert app.screen is screen and app.focused is None
        assert "lesson's keys work again" in status(app)
        assert await wait_for(pilot, lambda: "back" in bar(app) and "leave the simulator" not in bar(app))
        changed = panel.player.frame.policy
        await pilot.press("p")
        assert "first step" in status(app) and panel.player.frame.policy == changed
        await pilot.press("escape")  # and Esc is "back" again
        assert await wait_for(pilot, lambda: not isinstance(app.screen, LessonScreen))


async def test_tab_reaches_the_simulator_and_the_bar_follows():
    app = TutorApp(lang="id", lessons_root=LESSONS)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, panel = await open_sim_block(pilot, "id")
        for _ in range(30):
            if screen.sim_has_focus():
                break
            await pilot.press("tab")
        assert screen.sim_has_focus()
        assert await wait_for(pilot, lambda: "keluar dari simulator" in bar(app))


async def open_question(pilot) -> LessonScreen:
    app = pilot.app
    assert app.open_lesson("load-balancing", "guess")
    await pilot.pause()
    screen = app.screen
    view = screen.current_view()
    assert await wait_for(pilot, lambda: bool(view.query("PredictPanel")) and bool(screen.choices_in_sight()))
    return screen


async def test_the_first_keys_a_learner_tries_answer_the_question(tmp_path):
    """At 120 columns (step list shown), nothing focused: the question says how to answer, ↓
    goes to the first choice (not a scroll), ↓ again to the next, Enter picks it."""
    for lang in ("en", "id"):  # each with its own progress: an answer given is kept
        app = TutorApp(lang=lang, data_dir=tmp_path / lang, lessons_root=LESSONS)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_question(pilot)
            panel = screen.current_view().query_one("PredictPanel")
            assert "↓" in str(panel.query_one("#pred-status", Static).content)
            assert app.focused is None
            await pilot.press("down")
            assert app.focused is panel.query_one("#pred-choice-0")
            await pilot.press("down", "enter")
            assert panel.picked == 1


async def test_tab_goes_to_the_question_not_the_step_list():
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_question(pilot)
        assert not screen.query_one("StepList").has_class("-hidden")
        await pilot.press("tab")
        panel = screen.current_view().query_one("PredictPanel")
        assert app.focused is panel.query_one("#pred-choice-0")
        await pilot.press("enter")
        assert panel.picked == 0 and screen.step.id == "guess"  # Enter did not reopen a step


async def test_the_step_list_says_what_its_marks_mean():
    for lang, legend in (("en", "✓ done • opened ○ not yet"), ("id", "✓ selesai • dibuka ○ belum")):
        app = TutorApp(lang=lang, lessons_root=LESSONS)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_question(pilot)
            assert screen.query_one("StepList").border_subtitle == legend


async def test_a_long_command_wraps_instead_of_being_cut():
    from tutor.lessons.model import StepMeta, StepText
    from tutor.widgets.step_view import StepView

    long_line = "curl -s -o /dev/null -w '%{http_code}' " + "http://hasil.xyz/" + "a" * 90 + "/END"
    app = TutorApp(lang="en", lessons_root=LESSONS)
    async with app.run_test(size=(80, 24)) as pilot:
        view = StepView("x", StepMeta(id="s"), StepText(title="T", body=f"```bash\n{long_line}\n```\n"), "en",
                        id="long")
        await app.screen.mount(view)
        assert await wait_for(pilot, lambda: bool(view.query("MarkdownFence CodeLines")))
        await pilot.pause()
        label = view.query_one("MarkdownFence CodeLines")
        fence = view.query_one("MarkdownFence")
        assert label.outer_size.width <= fence.size.width <= 80
        assert label.size.height >= 2  # the line wrapped: every character is on screen


async def test_the_step_list_keeps_one_line_per_step_when_focused_at_80_columns():
    """At 80x24 `t` shows and focuses the list: every title stays on its one line (cut with …)
    and the legend is whole, in both languages (lesson 2 has long Indonesian titles)."""
    for lang, legend in (("en", "✓ done • opened ○ not yet"), ("id", "✓ selesai • dibuka ○ belum")):
        app = TutorApp(lang=lang)
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.open_lesson("reverse-proxy", None)
            await pilot.pause()
            await pilot.press("t")
            steps = app.screen.query_one("StepList")
            assert await wait_for(pilot, lambda: app.focused is steps and steps.option_count == 23)
            await pilot.pause()
            assert steps.virtual_size.height == steps.option_count  # no title wrapped to a second line
            assert steps.border_subtitle == legend and len(legend) <= steps.size.width
            rows = [steps.render_line(y).text for y in range(3)]
            assert all(row.rstrip() and not row.lstrip().startswith("…") for row in rows), rows


async def test_p_in_a_direct_scenario_stays_in_the_simulator():
    """A direct scenario (clients -> one web server) has no policy to cycle: with its simulator
    focused, p still belongs to the simulator (it says why nothing changes), not "previous step"."""
    app = TutorApp(lang="id")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_lesson_one_simulator(pilot)
        assert panel.player.scenario.direct
        assert await wait_for(pilot, lambda: "keluar dari simulator" in bar(app))
        said = status(app)
        await pilot.press("p")
        assert await wait_for(pilot, lambda: any("kebijakan" in str(n.message) for n in app._notifications))
        assert status(app) == said and screen.index == 0 and app.focused is not None
        assert "kebijakan" not in bar(app)  # the bar does not offer a key that does nothing here


async def test_the_simulator_opened_note_passes(monkeypatch):
    """"The simulator is open ..." is news for a moment: it leaves the status line by itself (and a
    newer line is not cleared by it)."""
    monkeypatch.setattr("tutor.screens.lesson.NOTE_SECONDS", 1.0)
    shown: list[str] = []  # the status line right after each passing note is said (it may pass before a poll sees it)
    say = LessonScreen.say

    def say_and_record(self, key, *, passing=False, **values):
        say(self, key, passing=passing, **values)
        if passing:
            shown.append(status(self.app))

    monkeypatch.setattr(LessonScreen, "say", say_and_record)
    app = TutorApp(lang="id")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.open_lesson("web-server", None)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("s")
        assert await wait_for(pilot, lambda: len(shown) == 1) and "Simulator dibuka" in shown[0]
        assert await wait_for(pilot, lambda: status(app) == "")
        await pilot.press("s")  # opened already: the same note again, then a newer line stays
        assert await wait_for(pilot, lambda: len(shown) == 2) and "Simulator dibuka" in shown[1]
        await pilot.press("p")
        assert "langkah pertama" in status(app)
        assert screen._note_timer is None  # the newer line stays: nothing will clear it


async def test_a_focused_simulator_in_presenter_mode_has_no_stray_border_rows():
    """Lesson 1 step 1, s, Tab, v at 80x24: the only heavy border inside the simulator is the
    narration's box (a focus frame drawn under the panel's parts showed through as lone `┃ … ┃` rows)."""
    app = TutorApp(lang="id")
    async with app.run_test(size=(80, 24)) as pilot:
        screen, panel = await open_lesson_one_simulator(pilot)
        await pilot.press("v")
        assert await wait_for(pilot, lambda: panel.presenter and panel.query_one("#sv-narration").region.height > 2)
        await pilot.pause()
        narration = panel.query_one("#sv-narration").region
        rows = [strip.text for strip in screen._compositor.render_strips()]  # what the terminal shows
        framed = [y for y in range(panel.region.y, min(panel.region.bottom, len(rows))) if rows[y][panel.region.x] in "┃┏┗"]
        assert framed == list(range(narration.y, narration.bottom))
        assert screen.sim_has_focus() and "keluar dari simulator" in bar(app)
