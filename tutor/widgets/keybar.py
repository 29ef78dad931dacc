"""A one-line bar of key hints in the current language (Textual's Footer cannot be translated)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from tutor.i18n import language_name, other_language, tr
from tutor.strings import STRINGS

KeyHints = tuple[tuple[str, str], ...]  # (key as shown, STRINGS key of what it does)
GAP = "  "


class KeyBar(Static):
    """Shows `key description` pairs; call `show(hints, lang)` again when the language changes.

    When the bar is too narrow for every pair, the last pairs are left out (the first, F1 help,
    lists them all): a pair is never cut in the middle.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pairs: list[tuple[str, str]] = []  # (key, description) in the current language

    def show(self, hints: KeyHints, lang: str) -> None:
        """Show `hints` in `lang`; the language key is labelled with the language it switches to."""
        self._pairs = []
        for key, label in hints:
            if label == "key.language":  # labelled with the language it switches to
                self._pairs.append((key, language_name(other_language(lang), short=True)))
            else:
                self._pairs.append((key, tr(STRINGS, label, lang)))
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        width = self.content_size.width or self.app.size.width - 2
        pairs = list(self._pairs)
        while len(pairs) > 1 and _length(pairs) > width:
            pairs.pop()
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (key, description) in enumerate(pairs):
            if index:
                text.append(GAP)
            text.append(key, style="bold")
            text.append(" " + description)
        self.update(text)


def _length(pairs: list[tuple[str, str]]) -> int:
    return sum(len(key) + 1 + len(description) for key, description in pairs) + len(GAP) * (len(pairs) - 1)
