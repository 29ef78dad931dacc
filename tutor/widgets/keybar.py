"""A one-line bar of the keys that act now, in the current language (Textual's Footer cannot be
translated). Built from the active bindings (`tutor.keymap.bar_pairs`), so it follows focus and
the user's keymap."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from tutor.keymap import bar_pairs

GAP = "  "


class KeyBar(Static):
    """Shows `key label` pairs of the keys that will act; refreshes when the screen's bindings change
    (focus moved, a keymap) and on `refresh_keys()` (the language changed).

    When the bar is too narrow for every pair, the last pairs are left out (the first, F1 help,
    lists them all): a pair is never cut in the middle. A screen may leave keys out of the bar
    with a `hidden_keys()` method returning binding ids.
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
        self._pairs: list[tuple[str, str]] = []  # (key, label) in the current language

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh_keys()

    def refresh_keys(self) -> None:
        """Show the keys that act now, in the app's language."""
        if not self.is_attached:
            return
        hidden: frozenset[str] = getattr(self.screen, "hidden_keys", frozenset)()
        pairs = bar_pairs(self.screen, getattr(self.app, "lang", "id"), hidden)
        if pairs != self._pairs:
            self._pairs = pairs
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
