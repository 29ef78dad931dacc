"""Lines that do not fit the terminal end in … instead of being cut mid-word (80x24, 60x20)."""

from __future__ import annotations

import pytest

from tutor.app import TutorApp
from tutor.lessons.loader import load_lessons
from tutor.paths import lessons_dir


def longest_title_step(lang: str) -> tuple[str, str, str]:
    """(lesson id, step id, title) of the shipped step whose title is longest in `lang`."""
    found = []
    for lesson in load_lessons(lessons_dir()).lessons:
        for step in lesson.steps:
            found.append((len(lesson.title_in(lang)) + len(lesson.step_text(step.id, lang).title),
                          lesson.id, step.id, lesson.step_text(step.id, lang).title))
    _, lesson_id, step_id, title = max(found)
    return lesson_id, step_id, title


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_long_step_title_ends_in_an_ellipsis(lang, size):
    lesson_id, step_id, title = longest_title_step(lang)
    async with TutorApp(lang=lang).run_test(size=size) as pilot:
        assert pilot.app.open_lesson(lesson_id, step_id)
        await pilot.pause()
        bar = pilot.app.screen.query_one("#lesson-title")
        line = bar.render_line(0).text.rstrip()
        assert title not in line  # too long for this width (else the test proves nothing)
        assert line.endswith("…"), line
