"""The Textual app: lessons, progress and settings, language switching (run by tutor/cli/lessons.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.reactive import reactive
from textual.theme import BUILTIN_THEMES

from tutor.classroom.reporter import Reporter
from tutor.i18n import LANGUAGES, other_language, tr
from tutor.keymap import QUIT_ID, QUIT_KEYS, Key, bindings, declared, keep_quit
from tutor.lessons.model import LessonError, LessonSet
from tutor.paths import lessons_dir, user_data_dir
from tutor.progress import Progress
from tutor.screens.home import HomeScreen
from tutor.screens.palette import TutorCommands
from tutor.settings import Settings
from tutor.strings import STRINGS
from tutor.widgets.option_list import SafeCommandPalette

if TYPE_CHECKING:
    from sim.scenario import Scenario

THEME = "tutor"
COLOUR_BLIND_THEME = "tutor-colour-blind"


def _themes():
    """A pinned dark theme (snapshots must not follow TEXTUAL_THEME) and a colour-blind-safe twin."""
    base = BUILTIN_THEMES["textual-dark"]
    yield dataclasses.replace(base, name=THEME)
    # Okabe-Ito colours: blue for success, vermillion for errors, yellow for warnings.
    yield dataclasses.replace(base, name=COLOUR_BLIND_THEME, success="#56B4E9", error="#D55E00", warning="#F0E442")


def load_lesson_set(root: Path) -> LessonSet:
    """All lessons under `root`; if loading fails outright, an empty set with one error to show."""
    try:
        from tutor.lessons.loader import load_lessons

        return load_lessons(root)
    except Exception as exc:  # the app must open and say what went wrong, never crash
        error = LessonError(str(root), 0, f"{type(exc).__name__}: {exc}")
        return LessonSet(lessons=[], errors=[error], broken={root.name: [error]})


class TutorApp(App):
    """The tutor TUI. `lang` (reactive, "id"/"en") is followed by every screen and widget.

    `lang=None` takes the saved setting, else `default_lang`. `data_dir` (default
    `user_data_dir()`) holds progress.json and settings.json; `lessons_root` defaults to the
    shipped lessons. `play=(scenario_path, nginx_conf)` opens the simulator straight away.
    """

    TITLE = "tutor"
    CSS_PATH = "app.tcss"
    COMMANDS = {TutorCommands}
    KEYMAP = (  # priority: they also work while a dialog (modal screen) is open
        Key("app.help", "f1", "help", "key.help", bar="key.help", display="F1", priority=True),
        Key("app.language", "f2,ctrl+l", "switch_language", "key.language", bar="key.language_short",
            display="F2 / Ctrl+L", priority=True),
        Key("app.palette", "ctrl+p", "command_palette", "key.palette", bar="key.palette", display="Ctrl+P",
            priority=True),
        Key("app.quit", "ctrl+q", "quit", "key.quit", display="Ctrl+Q", priority=True),  # keymap.QUIT_ID, QUIT_KEYS
    )
    BINDINGS = bindings(KEYMAP)

    lang: reactive[str] = reactive("id")
    progress_version: reactive[int] = reactive(0)  # +1 on every progress change; screens watch it

    def __init__(
        self,
        lang: str | None = None,
        data_dir: Path | str | None = None,
        lessons_root: Path | str | None = None,
        *,
        default_lang: str = "id",
        play: tuple[Scenario, str | None] | None = None,
        join: str | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir) if data_dir is not None else user_data_dir()
        self.settings, settings_backup = Settings.load(self.data_dir)
        self.progress, progress_backup = Progress.load(self.data_dir)
        self.progress.listeners.append(self._progress_changed)
        self.lessons_root = Path(lessons_root) if lessons_root is not None else lessons_dir()
        self.lessons = load_lesson_set(self.lessons_root)
        self.play = play
        self.join_url = join
        self.classroom = Reporter(self)  # the class the learner joined (tutor --join); no-op without one
        self.progress.listeners.append(self.classroom.progress_changed)
        self.startup_notices: list[tuple[str, dict[str, object]]] = []
        if progress_backup is not None:
            self.startup_notices.append(("notice.progress_corrupt", {"backup": progress_backup.name}))
        if self.progress.save_error:
            self.startup_notices.append(("notice.save_failed", {"error": self.progress.save_error}))
        if settings_backup is not None:
            self.startup_notices.append(("notice.settings_corrupt", {"backup": settings_backup.name}))
        chosen = lang if lang in LANGUAGES else self.settings.language or default_lang
        self.set_reactive(TutorApp.lang, chosen if chosen in LANGUAGES else "id")
        keymap, refused = keep_quit(self.settings.keymap)
        if refused:
            quit_keys = self.settings.keymap.get(QUIT_ID, QUIT_KEYS)
            self.startup_notices.append(("notice.keymap_quit", {"keys": quit_keys, "ids": ", ".join(refused)}))
        self.set_keymap(keymap)  # the learner's own keys (binding id -> keys), see tutor.keymap
        for theme in _themes():
            self.register_theme(theme)
        self.theme = COLOUR_BLIND_THEME if self.settings.colour_blind else THEME
        self._default_animation = self.animation_level
        if self.settings.reduced_motion:
            self.animation_level = "none"
        self._save_error_reported = False

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.lang, **values)

    def on_mount(self) -> None:
        self.set_class(self.settings.presenter, "-presenter")
        self.push_screen(HomeScreen())
        for key, values in self.startup_notices:
            self.notify(self.t(key, **values), severity="warning", timeout=12)
        if self.play is not None:
            self._open_play(*self.play)
        self.classroom.start()
        if self.join_url is not None:
            self.open_join(self.join_url)

    def on_unmount(self) -> None:
        self.classroom.stop()
        self.progress.settle()  # the last step opened is in the file before the app ends

    def open_join(self, url: str = "") -> None:
        """The join dialog (a class's URL, the learner's name, what is sent)."""
        from tutor.classroom.screens import JoinScreen

        membership = self.classroom.membership
        self.push_screen(JoinScreen(url, membership.name if membership else ""))

    def on_predict_panel_answered(self, event) -> None:
        """A predict question was answered: the class hears right or not (the lesson screen scrolls)."""
        # the lesson screen is imported where used: the first frame (home) does not need its widgets
        from tutor.screens.lesson import LessonScreen

        screen = self.screen_stack[-1] if self.screen_stack else None  # none left: the app is closing
        if isinstance(screen, LessonScreen) and screen.lesson.steps:
            number = screen.text.predicts.index(event.panel.predict) + 1 if event.panel.predict in screen.text.predicts else 0
            self.classroom.answered(f"{screen.lesson.id}/{screen.step.id}/{number}", event.correct)

    def _open_play(self, scenario: Scenario, nginx_conf: str | None) -> None:
        from tutor.simview import SimScreen

        self.push_screen(SimScreen(scenario, nginx_conf, confirm_close=True))

    # Language and settings
    def watch_lang(self, lang: str) -> None:
        self.settings.language = lang
        self.settings.save()

    def action_switch_language(self) -> None:
        self.lang = other_language(self.lang)

    def toggle_setting(self, name: str) -> None:
        """Flip reduced_motion / colour_blind / presenter and apply it at once."""
        value = self.settings.toggle(name)
        if name == "colour_blind":
            self.theme = COLOUR_BLIND_THEME if value else THEME
        elif name == "reduced_motion":
            self.animation_level = "none" if value else self._default_animation
        elif name == "presenter":
            from tutor.screens.lesson import LessonScreen

            self.set_class(value, "-presenter")
            for screen in self.screen_stack:
                if isinstance(screen, LessonScreen):
                    screen._apply_step_list_visibility()
        state = self.t("cmd.on") if value else self.t("cmd.off")
        self.notify(self.t(f"cmd.toggle.{name}", state=state))

    # Progress
    def _progress_changed(self, _lesson_id: str | None, _step_id: str | None) -> None:
        self.progress_version += 1
        if self.progress.save_error and not self._save_error_reported:
            self._save_error_reported = True
            self.notify(self.t("notice.save_failed", error=self.progress.save_error), severity="error", timeout=12)

    def confirm_reset_step(self, lesson_id: str, step_id: str) -> None:
        def reset(yes: bool | None) -> None:
            if yes:
                self.progress.reset_step(lesson_id, step_id)
                self._forget_views(lesson_id, step_id)

        from tutor.screens.modals import ConfirmScreen

        lesson = self.lessons.get(lesson_id)
        title = lesson.step_text(step_id, self.lang).title if lesson else step_id
        self.push_screen(ConfirmScreen("confirm.reset_step", step=title), reset)

    def confirm_reset_lesson(self, lesson_id: str) -> None:
        lesson = self.lessons.get(lesson_id)
        title = lesson.title_in(self.lang) if lesson else lesson_id

        def reset(yes: bool | None) -> None:
            if yes:
                self.progress.reset_lesson(lesson_id)
                self._forget_views(lesson_id, None)

        from tutor.screens.modals import ConfirmScreen

        self.push_screen(ConfirmScreen("confirm.reset_lesson", lesson=title), reset)

    def confirm_reset_all(self) -> None:
        def reset(yes: bool | None) -> None:
            if yes:
                self.progress.reset_all()
                self._forget_views(None, None)

        from tutor.screens.modals import ConfirmScreen

        self.push_screen(ConfirmScreen("confirm.reset_all"), reset)

    def _forget_views(self, lesson_id: str | None, step_id: str | None) -> None:
        from tutor.screens.lesson import LessonScreen

        for screen in self.screen_stack:
            if isinstance(screen, LessonScreen) and lesson_id in (None, screen.lesson.id):
                screen.forget_views(step_id)

    # Navigation
    def open_lesson(self, lesson_id: str, step_id: str | None = None) -> bool:
        """Show a lesson (at `step_id`, else where the learner left it); False if there is no such lesson."""
        from tutor.screens.lesson import LessonScreen

        lesson = self.lessons.get(lesson_id)
        if lesson is None:
            return False
        if isinstance(self.screen, LessonScreen) and self.screen.lesson.id == lesson_id:
            if step_id:
                self.screen.go_to_step(step_id)
            return True
        screen = LessonScreen(lesson, step_id or self.progress.last_step(lesson_id))
        if isinstance(self.screen, LessonScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        return True

    # Live mode
    def open_machines(self) -> None:
        """Show the machines screen (addresses of the learner's VMs for live checks)."""
        from tutor.screens.machines import MachinesScreen

        if not isinstance(self.screen, MachinesScreen):
            self.push_screen(MachinesScreen())

    def open_drills(self) -> None:
        """Show the break-fix drills (tutor.screens.drills)."""
        from tutor.screens.drills import DrillsScreen

        if not isinstance(self.screen, DrillsScreen):
            self.push_screen(DrillsScreen())

    def action_open_machines(self) -> None:
        self.open_machines()

    def read_live_nginx_config(self) -> None:
        """Ask for consent, then read, lint and offer to simulate the proxy VM's nginx config."""
        from tutor.screens.nginx_config import ask_to_read_nginx_config

        ask_to_read_nginx_config(self)

    def action_help(self) -> None:
        from tutor.screens.modals import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        target = self.screen
        if not declared(target):
            return  # e.g. the command palette (no keys of ours)
        self.push_screen(HelpScreen(target))

    def action_help_quit(self) -> None:
        """Ctrl+C: say (in the learner's language) which key quits; Textual's own toast is English."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(self.t("quit.press", keys=self.get_key_display(active.binding)),
                            title=self.t("quit.title"), markup=False)
                return

    def action_command_palette(self) -> None:
        if self.use_command_palette and not SafeCommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(placeholder=self.t("palette.placeholder"), id="--command-palette",
                                                no_matches=self.t("palette.no_matches")))
