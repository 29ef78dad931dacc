"""A one-line bar of key hints in the current language (Textual's Footer cannot be translated)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tutor.i18n import other_language, tr
from tutor.strings import STRINGS

KeyHints = tuple[tuple[str, str], ...]  # (key as shown, STRINGS key of what it does)


class KeyBar(Static):
    """Shows `key description` pairs; call `show(hints, lang)` again when the language changes."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def show(self, hints: KeyHints, lang: str) -> None:
        """Show `hints` in `lang`; the language key is labelled with the language it switches to."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (key, label) in enumerate(hints):
            if label == "key.language":
                label = f"key.language_to_{other_language(lang)}"
            if index:
                text.append("  ")
            text.append(key, style="bold")
            text.append(" " + tr(STRINGS, label, lang))
        self.update(text)
