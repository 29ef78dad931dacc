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



def test_every_tutor_command_a_lesson_quotes_is_a_real_command(capsys):
    """A `tutor ...` / `sudo tutor ...` in a lesson's text (e.g. lesson 2's `sudo tutor check --lab`)
    is accepted by tutor's own command line."""
    import re
    import shlex

    import pytest

    from tutor.cli.main import build_parser

    quoted: dict[str, set[str]] = {}
    for path in sorted(lessons_dir().glob("*/*.md")):
        commands = set(re.findall(r"`(?:sudo )?(tutor [^`]+)`", path.read_text(encoding="utf-8")))
        quoted.setdefault(path.parent.name, set()).update(commands)
        for command in commands - {"tutor lab"}:  # `tutor lab` alone names the tool
            try:
                build_parser("en").parse_args(shlex.split(command)[1:])
            except SystemExit:
                pytest.fail(f"{path}: `{command}` is not a tutor command: {capsys.readouterr().err.strip()}")
    assert quoted["02-reverse-proxy"] >= {"tutor lab up", "tutor check --lab", "tutor lab down"}
