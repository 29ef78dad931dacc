"""Symbols and colours of server states. Every state has its own symbol, so colour is never needed."""

from __future__ import annotations

SYMBOLS = {
    "up": "●",
    "slow": "◐",
    "hung": "◌",
    "stopped": "■",
    "poweroff": "✕",
    "banned": "⊘",
    "down": "▽",
    "backup": "◇",
}
REQUEST_GLYPH = "▸"
FAILED_GLYPH = "✕"

# Default palette, and a colour-blind-safe one (Okabe-Ito colours).
PALETTES: dict[str, dict[str, str]] = {
    "default": {
        "up": "green",
        "slow": "yellow",
        "hung": "magenta",
        "stopped": "red",
        "poweroff": "red",
        "banned": "yellow",
        "down": "bright_black",
        "backup": "cyan",
        "glyph": "bold cyan",
        "failed": "bold red",
        "link": "bright_black",
        "selected": "reverse",
    },
    "colorblind": {
        "up": "#0072B2",
        "slow": "#F0E442",
        "hung": "#CC79A7",
        "stopped": "#D55E00",
        "poweroff": "#D55E00",
        "banned": "#E69F00",
        "down": "bright_black",
        "backup": "#56B4E9",
        "glyph": "bold #56B4E9",
        "failed": "bold #D55E00",
        "link": "bright_black",
        "selected": "reverse",
    },
}


def palette(colorblind: bool) -> dict[str, str]:
    """The palette to draw with."""
    return PALETTES["colorblind" if colorblind else "default"]
