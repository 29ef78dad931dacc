"""Every character the simulator draws shows in `tutor serve`: the page's font (Roboto Mono, shipped
with textual-serve) has it, or DejaVu Sans Mono, the fallback Debian's browsers use, does.

Roboto Mono has no ⧗ ⌛ ⏸ ⏩ (the counters and the Pause button showed no icon in the browser)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import textual_serve

from tutor.i18n import LANGUAGES, catalogue
from tutor.simview.strings import STRINGS

SIMVIEW = Path(__file__).resolve().parent.parent / "tutor" / "simview"
ROBOTO = Path(textual_serve.__file__).parent / "static" / "fonts" / "RobotoMono-VariableFont_wght.ttf"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
# Symbols DejaVu Sans Mono has (checked against its cmap when the file is there, below), beyond the
# box drawing and block elements that xterm.js draws itself.
FALLBACK = set("✔✕↻▶■●⊘◌◐◇▽▸◷◔‖→←↑↓─│├┤┬┴┼╭╮╯╰█▁▂▃▄▅▆▇")


def font_characters(path: Path) -> set[str]:
    """The characters a TrueType font maps to a glyph (its cmap, formats 4 and 12)."""
    data = path.read_bytes()
    tables = {data[12 + 16 * i:16 + 16 * i].decode("latin-1"): struct.unpack(">I", data[20 + 16 * i:24 + 16 * i])[0]
              for i in range(struct.unpack(">H", data[4:6])[0])}
    cmap = tables["cmap"]
    found: set[int] = set()
    for i in range(struct.unpack(">H", data[cmap + 2:cmap + 4])[0]):
        base = cmap + struct.unpack(">I", data[cmap + 8 + 8 * i:cmap + 12 + 8 * i])[0]
        kind = struct.unpack(">H", data[base:base + 2])[0]
        if kind == 4:
            count = struct.unpack(">H", data[base + 6:base + 8])[0] // 2
            ends = struct.unpack(f">{count}H", data[base + 14:base + 14 + 2 * count])
            starts = struct.unpack(f">{count}H", data[base + 16 + 2 * count:base + 16 + 4 * count])
            for start, end in zip(starts, ends):
                found.update(range(start, min(end, 0xFFFE) + 1))
        elif kind == 12:
            for k in range(struct.unpack(">I", data[base + 12:base + 16])[0]):
                start, end = struct.unpack(">II", data[base + 16 + 12 * k:base + 24 + 12 * k])
                found.update(range(start, end + 1))
    return {chr(code) for code in found}


def drawn() -> set[str]:
    """Non-ASCII characters in the simulator's texts (every language) and its code."""
    chars = set()
    for lang in LANGUAGES:
        for text in catalogue(lang)[STRINGS].values():
            chars.update(text)
    for source in SIMVIEW.glob("*.py"):
        chars.update(source.read_text(encoding="utf-8"))
    return {char for char in chars if ord(char) > 0x7E}


def test_every_simulator_glyph_is_in_the_browser_fonts():
    known = font_characters(ROBOTO) | FALLBACK
    missing = sorted(drawn() - known)
    assert not missing, [f"{char} U+{ord(char):04X}" for char in missing]
    assert {"⧗", "⌛", "⏸", "⏩"}.isdisjoint(known)  # the ones the review found missing stay unknown


@pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVu Sans Mono is not installed here")
def test_the_fallback_list_is_true_for_dejavu():
    assert FALLBACK <= font_characters(DEJAVU)
