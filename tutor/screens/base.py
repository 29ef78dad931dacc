"""What every tutor screen shares: translated strings that follow `app.lang`, and help entries."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.screen import ModalScreen, Screen

from tutor.i18n import tr
from tutor.strings import STRINGS
from tutor.widgets.keybar import KeyHints

GLOBAL_HELP: KeyHints = (
    ("F1", "key.help"),
    ("F2 / Ctrl+L", "key.language"),
    ("Ctrl+P", "key.palette"),
    ("Ctrl+Q", "key.quit"),
)


class Translated:
    """Mixin: `t()` looks strings up in the app's language; `refresh_language()` runs when it changes."""

    HELP_TITLE: ClassVar[str] = "help.title.generic"
    HELP: ClassVar[KeyHints] = ()  # the keys of this screen, for F1

    def t(self, key: str, **values: object) -> str:
        return tr(STRINGS, key, self.app.lang, **values)  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self._lang_changed, init=False)  # type: ignore[attr-defined]
        self.watch(self.app, "progress_version", self._progress_changed, init=False)  # type: ignore[attr-defined]
        self.refresh_language()
        self.setup()

    def _lang_changed(self, _lang: str) -> None:
        self.refresh_language()

    def _progress_changed(self, _version: int) -> None:
        if self.is_current:
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
