"""`self.app` typed as the tutor's own app, for screens and widgets (Textual's `getters.app`, made lazy).

A class that reads the app's own attributes (`lang`, `settings`, `progress`, `open_lesson`, ...)
declares `app = TutorAppProperty()`. It is Textual's `app = getters.app(TutorApp)` (as posting
casts `self.app` to `Posting`), except that it names no class when the module is imported:
`tutor.app` imports the screens, so they cannot import it, and the simulator's widgets also run
in small test apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import getters
from textual.app import App
from textual.message_pump import MessagePump

if TYPE_CHECKING:
    from tutor.app import TutorApp

_ANY_APP = getters.app(App)  # Textual's own lookup (the active app, else the node's ancestor)


class TutorAppProperty(getters.app["TutorApp"]):
    """Class attribute `app = TutorAppProperty()`: the running app, typed as `TutorApp`."""

    def __init__(self) -> None:
        """Nothing to hold: the app's class is named only for the type checker."""

    def __get__(self, obj: MessagePump, obj_type: type[MessagePump]) -> TutorApp:
        return cast("TutorApp", _ANY_APP.__get__(obj, obj_type))
