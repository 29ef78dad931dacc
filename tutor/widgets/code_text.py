"""Catalogue text with `code` spans shown as code (bold on a shade), not with literal backticks."""

from __future__ import annotations

from rich.text import Text

CODE_STYLE = "bold"


def code_text(text: str) -> Text:
    """`text` as rich Text: each `...` span styled as code, the backticks dropped (plain otherwise,
    so `[` in a server's message is never markup)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return Text(text)
    result = Text()
    for index, part in enumerate(parts):
        result.append(part, style=CODE_STYLE if index % 2 else "")
    return result
