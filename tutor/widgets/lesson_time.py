"""How long a lesson and its steps take, as the step list and the home screen show it (lesson.toml's
`core` and `minutes`; lessons/README.md)."""

from __future__ import annotations

from rich.text import Text

from tutor.i18n import tr
from tutor.lessons.model import Lesson, StepMeta
from tutor.lessons.vocabulary import LESSON_TEXT


def step_time(meta: StepMeta, lang: str) -> Text:
    """A step's dim time column: `5m`, or `opt 8m` for an optional step ("" without minutes)."""
    if not meta.minutes:
        return Text()
    minutes = tr(LESSON_TEXT, "steps.minutes", lang, n=meta.minutes)
    marker = "" if meta.core else tr(LESSON_TEXT, "steps.optional", lang) + " "
    return Text(marker + minutes, style="dim")


def core_time(lesson: Lesson, lang: str) -> str:
    """The lesson's core path, `~90 min` ("" when its steps give no minutes)."""
    return tr(LESSON_TEXT, "home.minutes", lang, n=lesson.core_minutes) if lesson.core_minutes else ""


def optional_time(lesson: Lesson, lang: str) -> Text:
    """The lesson's optional steps on top of the core path, dim: `+15 min optional` ("" when none)."""
    minutes = lesson.optional_minutes
    return Text(tr(LESSON_TEXT, "home.optional", lang, n=minutes), style="dim") if minutes else Text()
