"""Command palette entries (Ctrl+P) in the learner's language: lessons, language, settings, machines, reset."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tutor import course
from tutor.classroom.screens import class_commands
from tutor.i18n import language_name, other_language, tr
from tutor.screens.lesson import LessonScreen
from tutor.settings import TOGGLES
from tutor.strings import STRINGS
from tutor.twin.tui import can_open as twin_can_open, open_twin

if TYPE_CHECKING:
    from tutor.app import TutorApp


def _scenario_on(screen) -> object | None:
    """The scenario the screen shows: the simulator's (tutor play), or the lesson step's."""
    panel = getattr(screen, "panel", None)
    player = getattr(panel, "player", None)
    if player is not None:
        return player.scenario
    step = getattr(screen, "step", None) if getattr(screen, "lesson", None) is not None else None
    return getattr(step, "scenario", None)


class TutorCommands(Provider):
    """Every command of the app, named in the current language."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast("TutorApp", self.app)  # a Provider is no DOM node: no TutorAppProperty here
        lang = app.lang

        def t(key: str, **values: object) -> str:
            return tr(STRINGS, key, lang, **values)

        commands: list[tuple[str, Callable[[], object], str]] = []
        for lesson in app.lessons.lessons:
            commands.append((t("cmd.open_lesson", title=lesson.title_in(lang)), partial(app.open_lesson, lesson.id), t("cmd.open_lesson.help")))
        target = other_language(lang)
        commands.append((t("cmd.language", language=language_name(target)), app.action_switch_language, t("cmd.language.help")))
        for name in TOGGLES:
            state = t("cmd.on") if app.settings[name] else t("cmd.off")
            commands.append((t(f"cmd.toggle.{name}", state=state), partial(app.toggle_setting, name), t(f"cmd.toggle.{name}.help")))
        commands.append((t("cmd.machines"), app.open_machines, t("cmd.machines.help", machines=", ".join(course.ROLES))))
        commands.append((t("cmd.drills"), app.open_drills, t("cmd.drills.help")))
        twin_scenario = _scenario_on(self.screen)
        if twin_scenario is not None and twin_can_open(app):
            commands.append((t("cmd.twin"), partial(open_twin, app, twin_scenario), t("cmd.twin.help")))
        commands.extend(class_commands(app))
        commands.append((t("cmd.nginx_config"), app.read_live_nginx_config, t("cmd.nginx_config.help")))
        screen = self.screen
        if isinstance(screen, LessonScreen) and screen.lesson.steps:
            lesson_id, step_id = screen.lesson.id, screen.step.id
            commands.append((t("cmd.reset_step"), partial(app.confirm_reset_step, lesson_id, step_id), t("cmd.reset_step.help")))
            commands.append((t("cmd.reset_lesson"), partial(app.confirm_reset_lesson, lesson_id), t("cmd.reset_lesson.help")))
        commands.append((t("cmd.reset_all"), app.confirm_reset_all, t("cmd.reset_all.help")))
        commands.append((t("cmd.help"), app.action_help, t("cmd.help.help")))
        commands.append((t("cmd.quit"), app.action_quit, t("cmd.quit.help")))
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
