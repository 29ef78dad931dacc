"""The TUI driven with Textual's Pilot, on small fixture lessons (tests/fixtures/tui/lessons)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from textual.widgets import Button, Markdown, OptionList, Static

from tutor.app import TutorApp
from tutor.progress import DONE, VISITED
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.modals import CommandPicker, ConfirmScreen, ErrorScreen, HelpScreen, LinkScreen

FIXTURES = Path(__file__).parent / "fixtures" / "tui" / "lessons"
SIZE = (100, 30)


def make_app(lang: str = "en", **kwargs) -> TutorApp:
    return TutorApp(lang=lang, lessons_root=FIXTURES, **kwargs)


def data_dir() -> Path:
    return Path(os.environ["TUTOR_DATA_DIR"])


def status(app: TutorApp) -> str:
    return str(app.screen.query_one("#status", Static).render())


def body_text(app: TutorApp) -> str:
    """The source Markdown of every Markdown widget in the open step view."""
    view = app.screen.current_view()
    return "\n".join(md.source for md in view.query(Markdown))


async def open_lesson(pilot, index: int = 0) -> LessonScreen:
    lessons = pilot.app.screen.query_one("#lessons", OptionList)
    lessons.highlighted = index
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LessonScreen)
    return pilot.app.screen


async def test_home_lists_lessons_with_progress_and_broken_lesson():
    async with make_app().run_test(size=SIZE) as pilot:
        app = pilot.app
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#lessons", OptionList)
        ids = [option.id for option in options.options]
        assert ids == ["lesson:web-server", "lesson:reverse-proxy", "broken:03-load-balancing"]
        app.progress.mark_done("web-server", "intro")
        await pilot.pause()
        first = options.get_option("lesson:web-server").prompt
        assert "1/3 steps" in "".join(str(cell) for column in first.columns for cell in column._cells)


async def test_navigation_home_lesson_next_previous_back():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        assert screen.step.id == "intro"
        assert "What is a web server?" in body_text(pilot.app)
        await pilot.press("n")
        assert screen.step.id == "install"
        await pilot.click("#btn-next")
        assert screen.step.id == "run"
        await pilot.press("n")  # already last: stays, and says so
        assert screen.step.id == "run" and "last step" in status(pilot.app)
        await pilot.press("p")
        await pilot.click("#btn-prev")
        assert screen.step.id == "intro"
        assert pilot.app.progress.state("web-server", "install") == VISITED
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_visited_step_views_are_cached():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        first_view = screen.current_view()
        await pilot.press("n")
        second_view = screen.current_view()
        await pilot.press("p")
        assert screen.current_view() is first_view
        await pilot.press("n")
        assert screen.current_view() is second_view


async def test_language_switch_changes_ui_and_lesson_text():
    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        await pilot.press("n")
        assert str(screen.query_one("#btn-next", Button).label) == "Lanjut ▶"
        assert "Masuk ke VM" in body_text(pilot.app)
        await pilot.press("f2")
        await pilot.pause()
        assert pilot.app.lang == "en"
        assert str(screen.query_one("#btn-next", Button).label) == "Next ▶"
        assert "Log in to the VM" in body_text(pilot.app)
        assert screen.step.id == "install"
        # the switch was saved as the setting: a new app starts in English although the default is id
        assert TutorApp(lessons_root=FIXTURES).lang == "en"
        await pilot.press("ctrl+l")
        assert pilot.app.lang == "id"
    again = TutorApp(lessons_root=FIXTURES, default_lang="en")
    assert (again.lang, again.settings.language) == ("id", "id")  # saved, not just the default


async def test_explicit_lang_beats_saved_setting():
    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await pilot.press("f2")
    assert TutorApp(lessons_root=FIXTURES).lang == "en"
    assert TutorApp(lang="id", lessons_root=FIXTURES).lang == "id"


async def test_fallback_step_shows_badge():
    async with make_app(lang="en").run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, 1)
        assert not screen.current_view().query(".badge")
        await pilot.press("n")
        badge = screen.current_view().query_one(".badge", Static)
        assert "ID · not translated yet" in str(badge.render())


async def test_hints_one_at_a_time_and_solution_needs_confirmation():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        await pilot.press("n")
        await pilot.pause()
        hints = screen.current_view().query_one(".hints")
        assert len(hints.children) == 0
        assert "Use `multipass list`" not in body_text(pilot.app)
        await pilot.press("h")
        await pilot.pause()
        assert len(hints.children) == 1
        assert "Hint 1/2" in body_text(pilot.app) and "The VM is called" not in body_text(pilot.app)
        assert str(screen.query_one("#btn-hint", Button).label) == "Hint 1/2"
        await pilot.press("h", "h")
        await pilot.pause()
        assert len(hints.children) == 2 and "All 2 hints" in status(pilot.app)
        solution = "Run `multipass shell app1`"
        await pilot.press("v")
        await pilot.pause()
        assert solution not in body_text(pilot.app)
        assert str(screen.query_one("#btn-solution", Button).label) == "Sure?"
        await pilot.press("v")
        await pilot.pause()
        assert solution in body_text(pilot.app)
        assert pilot.app.progress.solution_shown("web-server", "install")


async def test_solution_confirmation_is_forgotten_when_leaving_the_step():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        await pilot.press("n", "v", "n", "p", "v")
        await pilot.pause()
        assert not pilot.app.progress.solution_shown("web-server", "install")
        assert screen.step.id == "install"


async def test_progress_survives_restart():
    async with make_app().run_test(size=SIZE) as pilot:
        await open_lesson(pilot)
        await pilot.press("n", "d", "h")
    assert (data_dir() / "progress.json").exists()
    async with make_app().run_test(size=SIZE) as pilot:
        app = pilot.app
        assert app.progress.state("web-server", "install") == DONE
        assert app.progress.hints_shown("web-server", "install") == 1
        screen = await open_lesson(pilot)
        assert screen.step.id == "install"  # reopens where the learner left off
        await pilot.pause()
        assert "Hint 1/2" in body_text(app)
        assert "✓" in str(screen.query_one("#lesson-title", Static).render())
        steps = screen.query_one("#steps", OptionList)
        assert str(steps.get_option_at_index(1).prompt).startswith("✓ 2.")
        assert str(steps.get_option_at_index(2).prompt).startswith("○ 3.")


async def test_corrupt_progress_is_backed_up_and_reported():
    (data_dir() / "progress.json").write_text("{broken", encoding="utf-8")
    async with make_app().run_test(size=SIZE, notifications=True) as pilot:
        backups = list(data_dir().glob("progress.json.bak-*"))
        assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == "{broken"
        messages = [n.message for n in pilot.app._notifications]
        assert any(backups[0].name in m and "could not be used" in m for m in messages)
        await open_lesson(pilot)
        await pilot.press("d")
    assert '"done"' in (data_dir() / "progress.json").read_text(encoding="utf-8")


async def test_broken_lesson_shows_error_panel_and_others_open():
    async with make_app().run_test(size=SIZE) as pilot:
        lessons = pilot.app.screen.query_one("#lessons", OptionList)
        lessons.highlighted = 2
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ErrorScreen)
        text = str(pilot.app.screen.query_one("#error-lines", Static).render())
        assert "03-load-balancing/lesson.toml:4:" in text
        await pilot.press("escape")
        await open_lesson(pilot, 1)
        assert pilot.app.screen.lesson.id == "reverse-proxy"


async def test_missing_lessons_folder_is_an_error_entry_not_a_crash(tmp_path):
    async with TutorApp(lang="en", lessons_root=tmp_path / "nowhere").run_test(size=SIZE) as pilot:
        options = pilot.app.screen.query_one("#lessons", OptionList)
        assert options.option_count >= 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, (ErrorScreen, HomeScreen))


async def test_copy_single_and_chosen_command():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot, 1)
        await pilot.press("n", "c")  # reverse-proxy/config has one nginx fence
        assert pilot.app.clipboard.startswith("location / {")
        assert "Copied: location / {" in status(pilot.app)
        await pilot.press("escape")
        screen = await open_lesson(pilot, 0)
        screen.go_to_step("install")
        await pilot.press("c")
        assert isinstance(pilot.app.screen, CommandPicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert pilot.app.clipboard == "sudo apt-get install -y nodejs"
        assert "sudo apt-get install -y nodejs" in status(pilot.app)


async def test_step_without_commands_disables_copy():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        assert screen.query_one("#btn-copy", Button).disabled
        await pilot.press("c")
        assert pilot.app.clipboard == ""
        assert "no command" in status(pilot.app)


async def test_links_navigate_inside_and_web_links_are_only_shown():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        screen.follow_link("#install")
        assert screen.step.id == "install"
        screen.follow_link("#nope")
        assert "not found" in status(pilot.app)
        screen.follow_link("https://nginx.org/en/docs/")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LinkScreen)
        await pilot.press("c")
        assert pilot.app.clipboard == "https://nginx.org/en/docs/"
        await pilot.press("escape")
        screen.follow_link("lesson:reverse-proxy#config")
        await pilot.pause()
        assert pilot.app.screen.lesson.id == "reverse-proxy" and pilot.app.screen.step.id == "config"


async def test_clicking_a_step_link_in_the_text():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        await pilot.pause()
        markdown = screen.current_view().query_one(".step-body", Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "#run"))
        await pilot.pause()
        assert screen.step.id == "run"


async def test_mark_done_from_outside_updates_the_screen():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        pilot.app.progress.mark_done("web-server", "intro")  # what a live check does
        await pilot.pause()
        assert str(screen.query_one("#btn-done", Button).label) == "✓ Done"
        assert str(screen.query_one("#steps", OptionList).get_option_at_index(0).prompt).startswith("✓")


async def test_reset_step_asks_first():
    async with make_app().run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        await pilot.press("n", "h", "d", "r")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.pause()
        question = str(pilot.app.screen.query_one("#confirm-question", Static).render())
        assert "Installing the app" in question and "install" not in question.replace("Installing", "")
        assert "??" not in question and "?”?" not in question
        await pilot.press("n")
        assert pilot.app.progress.state("web-server", "install") == DONE
        await pilot.press("r")
        await pilot.press("y")
        await pilot.pause()
        assert pilot.app.progress.state("web-server", "install") != DONE
        assert pilot.app.progress.hints_shown("web-server", "install") == 0
        assert len(screen.current_view().query_one(".hints").children) == 0


async def test_reset_all_from_palette_command():
    async with make_app().run_test(size=SIZE) as pilot:
        pilot.app.progress.mark_done("web-server", "intro")
        pilot.app.confirm_reset_all()
        await pilot.pause()
        await pilot.click("#confirm-yes")
        assert pilot.app.progress.state("web-server", "intro") != DONE


async def test_help_is_contextual_and_translated():
    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(pilot.app.screen, HelpScreen)
        home_help = " ".join(text for _key, text in pilot.app.screen.rows)
        assert "buka" in home_help and "petunjuk" not in home_help
        await pilot.press("escape")
        await open_lesson(pilot)
        await pilot.press("f1")
        lesson_help = " ".join(text for _key, text in pilot.app.screen.rows)
        assert "tampilkan petunjuk berikutnya" in lesson_help
        await pilot.press("f2")
        await pilot.pause()
        assert ("h", "show the next hint") in pilot.app.screen.rows


async def test_palette_offers_lessons_language_settings_and_reset():
    from tutor.screens.palette import TutorCommands

    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await open_lesson(pilot)
        provider = TutorCommands(pilot.app.screen)
        names = [name for name, _callback, _help in provider._commands()]
        assert "Buka materi: Reverse proxy" in names
        assert "Ganti bahasa ke English" in names
        assert "Hapus kemajuan langkah ini" in names and "Hapus semua kemajuan" in names
        assert any(name.startswith("Warna ramah buta warna") for name in names)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"English")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert pilot.app.lang == "en"


async def test_settings_toggles_apply_and_persist():
    async with make_app().run_test(size=SIZE) as pilot:
        pilot.app.toggle_setting("colour_blind")
        assert pilot.app.theme == "tutor-colour-blind"
        pilot.app.toggle_setting("reduced_motion")
        assert pilot.app.animation_level == "none"
    app = make_app()
    assert app.settings.colour_blind and app.theme == "tutor-colour-blind"


async def test_narrow_terminal_hides_step_list_until_asked():
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_lesson(pilot)
        steps = screen.query_one("#steps", OptionList)
        assert steps.has_class("-hidden")
        await pilot.press("t")
        assert not steps.has_class("-hidden")
        await pilot.press("down", "enter")  # the step list has focus: opens the chosen step
        assert screen.step.id == "install"
        assert steps.has_class("-hidden")  # and hides again to leave room for the text
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_lesson(pilot)
        assert not screen.query_one("#steps", OptionList).has_class("-hidden")


async def test_simulator_key_on_a_step_without_a_simulator_says_so():
    async with make_app().run_test(size=SIZE) as pilot:
        await open_lesson(pilot)
        await pilot.press("s")
        assert "no simulator" in status(pilot.app)


async def test_no_color_still_renders(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with make_app().run_test(size=SIZE) as pilot:
        await open_lesson(pilot)
        await pilot.press("n", "h")
        await pilot.pause()
        assert "Hint 1/2" in body_text(pilot.app)


async def test_help_uses_a_screens_own_translated_rows():
    from textual.screen import Screen

    from tutor.keymap import Key, bindings

    class Other(Screen):
        KEYMAP = (Key("other.x", "x", "noop", "key.next"),)
        BINDINGS = bindings(KEYMAP)

        def action_noop(self) -> None:
            pass

        def help_title(self, lang):
            return "Lain" if lang == "id" else "Other"

    async with make_app(lang="id").run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(Other())
        await pilot.press("f1")
        assert isinstance(pilot.app.screen, HelpScreen)
        assert pilot.app.screen.rows[0] == ("x", "langkah berikutnya")
        await pilot.press("f2")
        await pilot.pause()
        assert pilot.app.screen.rows[0] == ("x", "next step")
        assert pilot.app.screen.query_one("#help-box").border_title == "Help · Other"


async def test_lesson_without_steps_does_not_crash():
    from tutor.lessons.model import Lesson

    async with make_app().run_test(size=SIZE) as pilot:
        empty = Lesson(id="empty", order=9, folder=FIXTURES, title={"en": "Empty"}, summary={}, steps=[])
        pilot.app.lessons.lessons.append(empty)
        assert pilot.app.open_lesson("empty")
        await pilot.pause()
        await pilot.press("n", "h", "v", "c", "d", "s")
        assert "no steps" in status(pilot.app)
        assert pilot.app.screen.query_one("#btn-next", Button).disabled
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_next_step_pressed_in_the_same_moment_as_the_background_build_shows_it():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_lesson("web-server")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen._prefetch_next()  # the timer fires ...
        screen.show_step(1)  # ... and `n` arrives before the event loop turns
        await pilot.pause()
        view = screen.current_view()
        assert view is not None and view.display and view.meta.id == screen.step.id == screen.lesson.steps[1].id


async def test_a_step_shown_twice_before_its_view_is_mounted_opens_once():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_lesson("web-server")
        await pilot.pause()
        screen = app.screen
        screen.forget_views()  # builds step 1 afresh; its mount waits for the event loop
        screen.show_step(screen.index)
        await pilot.pause()
        view = screen.current_view()
        assert view is not None and view.display and view.parent is not None


@pytest.mark.parametrize("fixture", ["tui", "tui_predict", "tui_live"])
def test_fixture_lessons_name_only_scenarios_that_exist(fixture):
    """The fixture lessons are broken on purpose in other ways, never in their simulator scenarios:
    a step showing "cannot open" would hide what a snapshot is meant to show."""
    from tutor.lessons.lint import lint
    from tutor.paths import scenarios_dir

    _, errors = lint(Path(__file__).parent / "fixtures" / fixture / "lessons", scenarios_dir())
    assert [str(error) for error in errors if "unknown scenario" in str(error)] == []


async def test_opening_a_step_while_its_lesson_screen_mounts_shows_that_step():
    """A class push or a fast key asks for another step before the lesson screen has mounted its views."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lessons.lessons[0]
        assert app.open_lesson(lesson.id, lesson.steps[0].id)
        assert app.open_lesson(lesson.id, lesson.steps[1].id)  # at once: the screen is not mounted yet
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.step.id == lesson.steps[1].id
        assert app.screen.current_view() is not None
