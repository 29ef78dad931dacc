"""The names a lesson may use: original-tutorial parts, roles, checks, code languages."""

from __future__ import annotations

import re

from tutor.course import LAPTOP
from tutor.course import ROLES as LIVE_ROLES
from tutor.live.catalog import CHECK_IDS

# The languages a lesson is written in (lesson.toml titles, id.md, en.md); the app's own text may
# have more (tutor/locale/), and falls back to these for lessons.
LANGUAGES: tuple[str, ...] = ("id", "en")

# The parts of the original tutorial (seed/) that lessons cover: the three introductions,
# reverse proxy screenshots 1-19 and load balancer screenshots 1-12.
COVER_IDS: tuple[str, ...] = (
    ("intro-web-server", "intro-reverse-proxy", "intro-load-balancing")
    + tuple(f"rp-{n}" for n in range(1, 20))
    + tuple(f"lb-{n}" for n in range(1, 13))
)

# Where a step's commands run: the live-check roles plus the learner's own laptop.
ROLES: tuple[str, ...] = (*LIVE_ROLES, LAPTOP)

# The body's code fences a step lists as commands (`StepText.commands`); of those, the ones the
# learner types or edits, which the copy picker offers (a step with any of these needs a hint;
# `text` fences are diagrams and sample output).
COMMAND_LANGUAGES: tuple[str, ...] = ("bash", "nginx", "powershell", "text")
COPYABLE_LANGUAGES: tuple[str, ...] = ("bash", "nginx", "powershell")

# Block directives allowed inside a step.
STEP_BLOCKS: tuple[str, ...] = ("hint", "solution", "sim", "predict")

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

__all__ = [
    "CHECK_IDS", "COMMAND_LANGUAGES", "COPYABLE_LANGUAGES", "COVER_IDS", "ID_PATTERN", "LANGUAGES", "ROLES",
    "STEP_BLOCKS",
]

LESSON_TEXT = "lesson_lab"
"""The catalogue section (tutor/locale/*.toml) of the lessons' time column, minutes and lab-block note."""

MAX_FILE_BYTES = 2_000_000
"""A lesson file (lesson.toml, id.md, en.md) is at most this big; the largest shipped one is ~40 kB."""
MAX_STEP_CHARS = 20_000
"""A step is rendered alone by Textual's Markdown widget: keep it short (the largest is ~4,000)."""
