"""The lesson screen's status line is one row: every text it shows fits that row at 80 columns, in
both languages (a cut sentence hides its end: "…tetap berjalan di" and nothing more)."""

from __future__ import annotations

import re
import string
from pathlib import Path

from rich.cells import cell_len

from tui_support import open_first_lesson
from tutor.app import TutorApp
from tutor.i18n import lookup
from tutor.strings import STRINGS

SOURCES = ("tutor/screens/lesson.py", "tutor/widgets/step_view.py")
# The keys the lesson screen puts on its status line: `say("key")`, `self.t("key")` given to
# `_set_text("#status", ...)`, and the "sim.*" keys StepView.open_next_sim returns for `say`.
KEY = re.compile(r'(?:say\(|_set_text\("#status", self\.t\(|return )"([a-z_]+\.[a-z_.]+)"')


def status_keys() -> set[str]:
    root = Path(__file__).resolve().parent.parent
    keys = {key for source in SOURCES for key in KEY.findall((root / source).read_text(encoding="utf-8"))}
    return {key for key in keys if lookup(STRINGS, key, "en") is not None}


def fixed_part(text: str) -> str:
    """The text without its `{placeholders}` (a copied command at the end may be cut: its start shows)."""
    return "".join(literal for literal, _field, _spec, _conv in string.Formatter().parse(text))


def test_the_keys_are_found():
    keys = status_keys()
    assert {"sim.predict_done", "lesson.first_step", "sim.opened_here", "sim.predict_first"} <= keys


async def test_every_status_text_fits_the_status_row_at_80_columns():
    async with TutorApp(lang="id").run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(pilot)
        width = screen.query_one("#status").content_region.width
    assert 70 <= width <= 80
    too_long = [(lang, key, cell_len(fixed_part(lookup(STRINGS, key, lang) or "")))
                for lang in ("id", "en") for key in sorted(status_keys())
                if cell_len(fixed_part(lookup(STRINGS, key, lang) or "")) > width]
    assert too_long == []
