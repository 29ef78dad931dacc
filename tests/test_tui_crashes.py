"""Crashes seen under real hands, each reproduced first: fast n/p over steps with live checks,
and PageDown/PageUp in the command palette before it has any option."""

from __future__ import annotations

import asyncio

from textual.command import CommandPalette
from textual.widgets import OptionList

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.lessons.model import StepMeta, StepText
from tutor.simview.panel import SimPanel
from tutor.simview.screen import SimScreen
from tutor.widgets.check_panel import CheckPanel
from tutor.widgets.step_view import StepView

SIZE = (80, 24)


async def test_check_panel_shown_while_its_buttons_are_still_mounting():
    """Holding n/p shows a prefetched view whose CheckPanel has mounted its rows but not yet its
    button row: `show()` then looked up '#check-sim' and crashed (NoMatches)."""
    app = TutorApp(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        meta = StepMeta(id="s", checks=("app-running",))
        view = StepView("x", meta, StepText(title="T", body="body"), "en")
        app.screen.mount(view)
        shown_half_mounted = 0
        for _ in range(500):  # every turn of the event loop while the panel is being built
            panels = view.query(CheckPanel)
            if panels and not panels.first().query("#check-machines"):
                shown_half_mounted += 1
            view.set_live(True)  # what `n` does to a cached view: activate() -> show()
            view.set_live(False)
            if panels and panels.first().query("#check-machines"):
                break
            await asyncio.sleep(0)
        assert shown_half_mounted, "the test never caught the panel half-mounted"
        view.set_live(True)
        panel = view.check_panel
        assert await wait_for(pilot, lambda: "app-running" in str(panel.query_one("#head-app-running").content))


async def test_page_keys_in_the_palette_before_its_list_is_laid_out():
    """ctrl+p then PageDown/PageUp at once: Textual's OptionList._move_page looked up a line the
    still-hidden list had not laid out (KeyError: 0) and took the app down."""
    for lang in ("id", "en"):
        app = TutorApp(lang=lang)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(3):
                await pilot.press("ctrl+p")
                assert await wait_for(pilot, lambda: CommandPalette.is_open(app))
                palette = app.screen
                commands = palette.query_one("CommandList", OptionList)
                assert await wait_for(pilot, lambda: commands.option_count > 0)
                # A batch of results arrives and a held PageDown is handled before the list is laid
                # out again (it was hidden, so it has no size yet): what a real terminal does.
                palette._list_visible = False
                await pilot.pause()
                palette._refresh_command_list(commands, list(commands.options), True)
                assert commands.highlighted == 0 and not commands.scrollable_content_region
                await palette.run_action("command_list('page_down')")
                await palette.run_action("command_list('page_up')")
                await pilot.press("pagedown", "pageup", "pagedown", "down", "pageup")
                await pilot.press("escape")
                assert await wait_for(pilot, lambda: not CommandPalette.is_open(app))
            await pilot.press("ctrl+q")
        assert app.return_code == 0


async def test_page_keys_in_the_step_list_right_after_it_is_shown():
    """The same upstream crash in the app's own lists: after F2 at 80 columns, `t` shows the
    hidden step list and a held PageDown reaches it before it is laid out."""
    app = TutorApp(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        assert app.open_lesson(app.lessons.lessons[1].id)
        await pilot.pause()
        steps = app.screen.query_one("StepList", OptionList)
        assert not steps.scrollable_content_region  # hidden at 80 columns
        app.action_switch_language()  # the options are rebuilt in Indonesian while it has no size
        await app.screen.run_action("toggle_steps")
        assert not steps.has_class("-hidden") and not steps.scrollable_content_region
        await steps.run_action("page_down")
        await steps.run_action("page_up")
        await pilot.press("pagedown", "pageup")
        assert steps.highlighted == app.screen.index


async def test_screens_closed_before_they_finish_mounting():
    """A key that opens a screen and a fast Esc/n in the same burst: the screen was dismissed
    before its on_mount, which then looked for children already gone (NoMatches)."""
    from tutor.screens.home import HomeScreen
    from tutor.screens.lesson import LessonScreen
    from tutor.screens.machines import MachinesScreen
    from tutor.screens.modals import ConfirmScreen, HelpScreen

    app = TutorApp(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.lessons.lessons[1]
        for make in (lambda: ConfirmScreen("confirm.reset_all"), lambda: HelpScreen(app.screen),
                     lambda: LessonScreen(lesson), MachinesScreen, HomeScreen, lambda: SimScreen("lb-one-dies")):
            screen = make()
            app.push_screen(screen)
            app.pop_screen()
            await pilot.pause()
        assert len(app.screen_stack) == 2  # the default screen and home
        panel = SimPanel("lb-one-dies", "en")
        app.screen.mount(panel)
        panel.remove()  # `n` right after `s` opened a simulator
        await pilot.pause()
        for close in (False, True):
            lesson_screen = LessonScreen(lesson)
            app.push_screen(lesson_screen)
            if close:
                app.pop_screen()
            # keys typed with Enter (or with Esc) reach the screen before it is mounted (or after it closed)
            for action in ("toggle_steps", "next_step", "hint", "simulator", "check", "toggle_done"):
                await lesson_screen.run_action(action)
            await pilot.pause()
            if not close:
                app.pop_screen()
                await pilot.pause()
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_f1_on_the_command_palette():
    """F1 while the palette is open: the palette is a Textual screen whose HELP is None, and the
    help dialog tried to list it as key rows (TypeError)."""
    app = TutorApp(lang="id")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert await wait_for(pilot, lambda: CommandPalette.is_open(app))
        await pilot.press("f1")
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: not CommandPalette.is_open(app))
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"


async def test_palette_results_arriving_after_it_closed():
    """Esc (or a chosen command) closes the palette while its search worker still gathers:
    the worker's batch of results then looked for the list that is gone (NoMatches, found by
    the key storm under load)."""
    app = TutorApp(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        assert await wait_for(pilot, lambda: CommandPalette.is_open(app))
        palette = app.screen
        commands = palette.query_one("CommandList", OptionList)
        assert await wait_for(pilot, lambda: commands.option_count > 0)
        options = list(commands.options)
        app.pop_screen()
        for _ in range(50):  # every moment of its removal, then after it
            palette.set_reactive(CommandPalette._list_visible, False)  # the list was hidden, results come
            palette._refresh_command_list(commands, options, True)
            await asyncio.sleep(0)
        await pilot.press("ctrl+q")
    assert app.return_code == 0
