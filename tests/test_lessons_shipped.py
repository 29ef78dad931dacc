"""The lessons shipped with tutor: they lint clean, exist in both languages and cover the whole tutorial."""

from __future__ import annotations

from tutor.lessons.lint import lint
from tutor.lessons.loader import load_lessons
from tutor.lessons.vocabulary import COVER_IDS
from tutor.paths import lessons_dir

LESSON_IDS = ("web-server", "reverse-proxy", "load-balancing")  # binding (DESIGN.md section 6)


def test_shipped_lessons_lint_clean():
    _, errors = lint(lessons_dir())
    assert errors == [], "\n".join(map(str, errors))


def test_the_three_lessons_exist_in_both_languages_in_order():
    lessons, _ = lint(lessons_dir())
    assert [lesson["id"] for lesson in lessons] == list(LESSON_IDS)
    for lesson in lessons:
        assert lesson["languages"] == ["id", "en"], lesson["id"]


def test_every_part_of_the_original_tutorial_is_covered():
    assert len(COVER_IDS) == 34
    covered = {cover for lesson in load_lessons(lessons_dir()).lessons for step in lesson.steps for cover in step.covers}
    assert sorted(set(COVER_IDS) - covered) == []


def test_every_shipped_step_has_a_title_and_text_in_both_languages():
    for lesson in load_lessons(lessons_dir()).lessons:
        for step in lesson.steps:
            for lang in ("id", "en"):
                text = lesson.step_text(step.id, lang)
                assert not text.fallback, f"{lesson.id}/{step.id} has no {lang} text"
                assert text.title != step.id and text.body, f"{lesson.id}/{step.id} ({lang})"
