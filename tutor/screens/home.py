"""The home screen: every lesson with its progress, and lessons that failed to load."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.keymap import Key, bindings
from tutor.screens.base import TutorScreen
from tutor.widgets.option_list import SafeOptionList
from tutor.widgets.keybar import KeyBar
from tutor.widgets.lesson_time import core_time, optional_time

LESSON_PREFIX = "lesson:"
BROKEN_PREFIX = "broken:"


class HomeScreen(TutorScreen):
    """Lists lessons as `1. Title   3/7 steps ✓`; Enter opens one."""

    DEFAULT_CSS = """
    HomeScreen #home-intro { padding: 1 2 0 2; color: $text-muted; }
    HomeScreen #lessons { height: 1fr; margin: 1 2; border: round $primary 50%; padding: 0 1; }
    """

    KEYMAP = (
        Key("home.move", "up,down", None, "key.move", display="↑ ↓"),
        Key("home.open", "enter", None, "key.open", bar="key.open", display="Enter"),
        Key("home.reset", "r", "reset_lesson", "key.reset_lesson"),
        Key("home.machines", "m", "machines", "key.machines", bar="key.machines_short"),
        Key("home.drills", "d", "drills", "key.drills"),
        Key("home.quit", "q", "app.quit", "key.quit", bar="key.quit"),
    )
    BINDINGS = bindings(KEYMAP)
    HELP_TITLE = "help.title.home"

    def compose(self) -> ComposeResult:
        yield Static(id="home-title", classes="title-bar")
        yield Static(id="home-intro")
        yield SafeOptionList(id="lessons")
        yield KeyBar(id="keybar")

    def setup(self) -> None:
        self.query_one("#lessons", OptionList).focus()

    def refresh_language(self) -> None:
        self.query_one("#home-title", Static).update(self.t("app.title"))
        self.query_one("#home-intro", Static).update(self.t("home.intro"))
        self.query_one("#lessons", OptionList).border_title = self.t("home.lessons")
        self.query_one(KeyBar).refresh_keys()
        self.refresh_progress()

    def refresh_progress(self) -> None:
        lessons = self.query_one("#lessons", OptionList)
        highlighted = lessons.highlighted
        lessons.set_options(self._options())
        if lessons.option_count:
            lessons.highlighted = min(highlighted or 0, lessons.option_count - 1)

    def _options(self) -> list[Option]:
        app = self.app
        lang = app.lang
        options = []
        for number, lesson in enumerate(app.lessons.lessons, start=1):
            step_ids = [step.id for step in lesson.steps]
            done = app.progress.done_count(lesson.id, step_ids)
            total = len(step_ids)
            grid = Table.grid(expand=True)
            grid.add_column(width=3)
            grid.add_column(ratio=1)
            grid.add_column(justify="right")
            mark = " ✓" if total and done == total else ""
            progress = self.t("home.steps_done", done=done, total=total) + mark
            core = core_time(lesson, lang)
            progress += f" · {core}" if core else ""
            extra = optional_time(lesson, lang)
            grid.add_row(f"{number}.", Text(lesson.title_in(lang), style="bold"), progress)
            summary = lesson.summary.get(lang) or next(iter(lesson.summary.values()), "")
            if summary or extra:
                grid.add_row("", Text(" ".join(summary.split()), style="dim"), extra)
            options.append(Option(grid, id=LESSON_PREFIX + lesson.id))
        for folder, errors in app.lessons.broken.items():
            label = Text.assemble(("⚠ ", "bold"), folder, " — ", self.t("home.broken", count=len(errors)))
            options.append(Option(label, id=BROKEN_PREFIX + folder))
        if not options:
            options.append(Option(Text(self.t("home.empty"), style="dim"), id="empty", disabled=True))
        return options

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith(LESSON_PREFIX):
            self.app.open_lesson(option_id[len(LESSON_PREFIX):])
        elif option_id.startswith(BROKEN_PREFIX):
            from tutor.screens.modals import ErrorScreen

            folder = option_id[len(BROKEN_PREFIX):]
            self.app.push_screen(ErrorScreen(folder, self.app.lessons.broken.get(folder, [])))

    def action_machines(self) -> None:
        self.app.open_machines()

    def action_drills(self) -> None:
        self.app.open_drills()

    def action_reset_lesson(self) -> None:
        option = self.query_one("#lessons", OptionList).highlighted_option
        option_id = option.id if option is not None else None
        if option_id is None or not option_id.startswith(LESSON_PREFIX):
            return
        lesson = self.app.lessons.get(option_id[len(LESSON_PREFIX):])
        if lesson is not None:
            self.app.confirm_reset_lesson(lesson.id)
