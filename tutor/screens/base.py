"""What every tutor screen shares: translated strings that follow `app.lang`, and a help title."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.screen import ModalScreen, Screen

from tutor.i18n import tr
from tutor.strings import STRINGS
from tutor.widgets.lifecycle import being_removed
from tutor.widgets.typed_app import TutorAppProperty

if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only: at run time it must not be a
    # Screen itself, or Textual would take its CSS from it instead of from ModalScreen.
    _ScreenBase = Screen[Any]
else:
    _ScreenBase = object


class Translated(_ScreenBase):
    """Mixin: `t()` looks strings up in the app's language; `refresh_language()` runs when it changes."""

    HELP_TITLE: ClassVar[str] = "help.title.generic"
    app = TutorAppProperty()

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.app.lang, **values)

    @property
    def closed(self) -> bool:
        """Taken off the screen stack (maybe before it finished mounting, by a fast Esc): its
        children are gone, so there is nothing left to fill in."""
        return being_removed(self) or self not in self.app.screen_stack

    @property
    def in_sight(self) -> bool:
        """On top, or under a dialog that lets it show through. (Textual's `is_current` also counts
        the screen right below an opaque one: the home screen under a lesson, redrawn on every step.)"""
        top = self.app.screen
        return top is self or (top.styles.background.a < 1 and self.is_current)

    @property
    def ready(self) -> bool:
        """Mounted and set up, and not closed: its actions may run."""
        return getattr(self, "_set_up", False) and not self.closed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys typed with the key that opened a screen (or with Esc) can arrive before it has
        mounted its parts (or after they are gone): no action runs then."""
        return self.ready

    def on_mount(self) -> None:
        if self.closed:
            return
        self.watch(self.app, "lang", self._lang_changed, init=False)
        self.watch(self.app, "progress_version", self._progress_changed, init=False)
        self.refresh_language()
        self.setup()
        self._set_up = True

    def _lang_changed(self, _lang: str) -> None:
        self.refresh_language()

    def _progress_changed(self, _version: int) -> None:
        if self.in_sight:
            self.refresh_progress()
        else:
            self._stale = True  # refreshed when the screen shows again

    def on_screen_resume(self) -> None:
        if getattr(self, "_stale", False):
            self._stale = False
            self.refresh_progress()

    def setup(self) -> None:
        """Runs once after mounting and the first `refresh_language()`."""

    def refresh_language(self) -> None:
        """Put every visible string in the current language."""

    def refresh_progress(self) -> None:
        """Show the current progress (someone marked a step, reset, ...)."""


class TutorScreen(Translated, Screen):
    """A full screen of the app."""


ResultType = TypeVar("ResultType")


class TutorModal(Translated, ModalScreen[ResultType]):
    """A dialog over the current screen."""
