"""The README's picture of a lesson is what the app draws now, and its step counts are the
lessons' (print the picture anew with `python tests/readme_pictures.py`)."""

from __future__ import annotations

import re
from pathlib import Path

from tutor.lessons.loader import load_lessons
from tutor.paths import lessons_dir
from readme_pictures import normalise, render_readme_pictures

README = Path(__file__).resolve().parents[1] / "README.md"


def text_blocks() -> list[list[str]]:
    return [block.split("\n") for block in re.findall(r"```text\n(.*?)```", README.read_text(encoding="utf-8"), re.S)]


def test_the_readme_pictures_are_what_the_app_draws(tmp_path):
    drawn = render_readme_pictures(tmp_path)
    blocks = text_blocks()
    assert normalise(blocks[0]) == drawn["lesson"], "run python tests/readme_pictures.py and paste the new picture"
    assert normalise(blocks[1]) == drawn["simulator"], "run python tests/readme_pictures.py and paste the new picture"


def test_the_step_counts_are_the_lessons():
    steps = {lesson.title_in("en"): len(lesson.steps) for lesson in load_lessons(lessons_dir()).lessons}
    text = " ".join(README.read_text(encoding="utf-8").split())
    claimed = dict(re.findall(r"\*([^*]+)\* \((\d+) steps", text))
    assert claimed and {title: int(count) for title, count in claimed.items()} == \
        {title: steps[title] for title in claimed}
