"""The app's UI text: the `[ui]` section of the catalogues in tutor/locale/ (see tutor.i18n).

Look strings up with `tutor.i18n.tr(STRINGS, key, lang, **values)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.i18n import has, tr

if TYPE_CHECKING:
    from tutor.live.hosts import HostError

STRINGS = "ui"
"""The catalogue section of the app's screens, dialogs, palette and notices."""


def host_error_text(error: HostError, lang: str) -> str:
    """A HostError's one-line reason in `lang` (its English text when the reason has no translation)."""
    key = f"host.{error.code}"
    return tr(STRINGS, key, lang, **error.values) if error.code and has(STRINGS, key) else str(error)
