"""`lint()`: every rule catches its broken fixture with the right file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.lessons.lint import LintUsageError, lint

FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
BROKEN = FIXTURES / "broken"
CASES = sorted(folder.name for folder in BROKEN.iterdir() if (folder / "expected.txt").is_file())


def _expected(folder: Path) -> list[tuple[str, int, str]]:
    """`expected.txt`: `<file>:<line>: <part of the message>` per error, files relative to the lesson."""
    rows = []
    for row in (folder / "expected.txt").read_text().splitlines():
        file, line, message = row.split(":", 2)
        rows.append((f"{folder.name}/{file}", int(line), message.strip()))
    return rows


def test_every_broken_fixture_is_used():
    assert len(CASES) == 26


@pytest.mark.parametrize("case", CASES)
def test_broken_fixture_reports_exactly_its_errors(case):
    folder = BROKEN / case
    _, errors = lint(folder)
    unmatched = list(errors)
    for file, line, part in _expected(folder):
        match = next((e for e in unmatched if e.file == file and e.line == line and part in e.message), None)
        assert match is not None, f"missing {file}:{line}: {part}\ngot:\n" + "\n".join(map(str, errors))
        unmatched.remove(match)
    assert unmatched == [], "unexpected:\n" + "\n".join(map(str, unmatched))


def test_good_lessons_are_clean_and_summarised():
    lessons, errors = lint(FIXTURES / "good")
    assert errors == []
    assert lessons == [
        {"id": "web-basics", "languages": ["id", "en"], "steps": ["intro", "first-request", "predict-it"]},
        {"id": "proxy-basics", "languages": ["id", "en"], "steps": ["setup"]},
    ]


def test_one_lesson_folder_resolves_links_to_its_siblings():
    lessons, errors = lint(FIXTURES / "good" / "02-proxy-basics")  # links to lesson:web-basics#intro
    assert errors == []
    assert [lesson["id"] for lesson in lessons] == ["proxy-basics"]


def test_a_lesson_file_path_lints_its_folder():
    _, errors = lint(BROKEN / "07-step-no-title" / "en.md")
    assert [(e.file, e.line) for e in errors] == [("07-step-no-title/en.md", 21)]


def test_whole_root_reports_files_relative_to_its_parent():
    lessons, errors = lint(BROKEN)
    assert {e.file.split("/")[0] for e in errors} == {"broken"}
    expected = sum(len(_expected(BROKEN / case)) for case in CASES)
    assert len(errors) == expected
    assert errors == sorted(errors, key=lambda e: (e.file, e.line))
    assert "toml-syntax" not in [lesson["id"] for lesson in lessons]


def test_duplicate_lesson_ids():
    _, errors = lint(FIXTURES / "duplicate-ids")
    assert [(e.file, e.line) for e in errors] == [
        ("duplicate-ids/01-same/lesson.toml", 1), ("duplicate-ids/02-same/lesson.toml", 1)]
    assert "also used by 02-same/lesson.toml" in errors[0].message


def test_scenarios_are_looked_up_beside_the_lessons_root(tmp_path):
    shutil.copytree(FIXTURES / "good", tmp_path / "lessons")
    _, errors = lint(tmp_path / "lessons", scenarios=tmp_path / "empty")
    assert {e.message.split(":")[0] for e in errors} == {"unknown scenario 'demo'"}
    assert len(errors) == 5  # lesson.toml, and the {sim} and {predict} of both languages
    beside = tmp_path / "assets" / "scenarios"
    beside.mkdir(parents=True)
    (beside / "demo.toml").write_text('[scenario]\nname = "demo"\n')
    assert lint(tmp_path / "lessons") == (lint(FIXTURES / "good")[0], [])


def test_missing_path_and_empty_folder_are_usage_errors(tmp_path):
    with pytest.raises(LintUsageError, match="no such file"):
        lint(tmp_path / "nowhere")
    with pytest.raises(LintUsageError, match="no lessons here"):
        lint(tmp_path)


def test_a_right_answer_marked_differently_in_one_language_is_an_error(tmp_path):
    """Regression (issue 10): the rule that both languages mark the same right answer must stay."""
    shutil.copytree(FIXTURES / "good", tmp_path / "lessons")
    shutil.copytree(FIXTURES / "assets", tmp_path / "assets")
    en = tmp_path / "lessons" / "01-web-basics" / "en.md"
    text = en.read_text()
    right = text.index("- [x]")
    wrong = text.index("- [ ]", text.rindex("\n:::{predict}", 0, right))
    flipped = list(text)
    flipped[right + 3], flipped[wrong + 3] = " ", "x"
    en.write_text("".join(flipped))
    _, errors = lint(tmp_path / "lessons")
    assert [e.message for e in errors if "right answer" in e.message] == [
        "step 'predict-it': {predict} #1: marks another right answer than the other language (here A, there B) "
        "(compare id.md:52)"]
