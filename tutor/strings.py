"""The app's UI text: the `[ui]` section of the catalogues in tutor/locale/ (see tutor.i18n).

Look strings up with `tutor.i18n.tr(STRINGS, key, lang, **values)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.live.hosts import HostError

STRINGS = "ui"
"""The catalogue section of the app's screens, dialogs, palette and notices."""


def host_error_text(error: HostError, lang: str) -> str:
    """A HostError's one-line reason in `lang`, in the app's wording ([ui] host.*) when it has one."""
    return error.text(lang, cli=False)
