"""A learner with other addresses than the tutorial's copies only their own from every shipped lesson.

Every step of every lesson is rendered in both languages with a saved set of machines (addresses
the tutorial never uses), the way the lesson screen shows and copies it; no fence the learner can
copy (bash, powershell, nginx) may still hold a tutorial address (10.37.19.x) unless the block is
marked as showing the tutorial's own addresses on purpose (`{example=tutorial}`).
"""

from __future__ import annotations

import re

import pytest

from tutor.i18n import tr
from tutor.lessons.loader import load_lessons
from tutor.lessons.values import NAMED_VALUES, Values, fill_step
from tutor.lessons.vocabulary import COPYABLE_LANGUAGES as COPYABLE
from tutor.paths import lessons_dir
from tutor.strings import STRINGS

MINE = Values.of({"proxy_ip": "192.168.64.5", "app1_ip": "192.168.64.7", "app2_ip": "192.168.64.9",
                  "app3_ip": "192.168.64.11", "domain": "hasil.xyz"})
TUTORIAL = re.compile(r"\b10\.37\.19\.\d+")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(\S*)")
LESSONS = load_lessons(lessons_dir()).lessons


def leftovers(markdown: str, lang: str) -> list[str]:
    """Lines of copyable fences that still hold a tutorial address, outside blocks marked as the tutorial's."""
    note = "> " + tr(STRINGS, "values.tutorial_note", lang)
    found, lines = [], markdown.split("\n")
    inside, language, marked = "", "", False
    for index, line in enumerate(lines):
        opening = FENCE.match(line)
        if not inside and opening:
            inside, language = opening[1], opening[2]
            previous = next((lines[k].strip() for k in range(index - 1, -1, -1) if lines[k].strip()), "")
            marked = previous == note
        elif inside and line.strip().startswith(inside) and set(line.strip()) == {inside[0]}:
            inside = ""
        elif inside and language in COPYABLE and not marked and TUTORIAL.search(line):
            found.append(line.strip())
    return found


def rendered(text) -> list[str]:
    parts = [text.body, *text.hints, text.solution or ""]
    parts += [part.markdown for part in text.parts]
    parts += [predict.question + "\n" + predict.explanation for predict in text.predicts]
    return parts


def test_the_saved_machines_share_nothing_with_the_tutorial():
    assert all(not TUTORIAL.search(MINE.get(name)[0]) for name in NAMED_VALUES if name != "domain")
    assert {lesson.id for lesson in LESSONS} >= {"web-server", "reverse-proxy", "load-balancing"}


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_copyable_block_shows_the_learners_addresses(lesson, lang):
    problems = []
    for meta in lesson.steps:
        text = fill_step(lesson.step_text(meta.id, lang), MINE, lang)
        for command in text.commands:
            if command.language in COPYABLE and not command.tutorial and TUTORIAL.search(command.code):
                problems.append(f"{meta.id}: copies {TUTORIAL.search(command.code)[0]} ({command.code.splitlines()[0]!r})")
            assert "{" + "proxy_ip}" not in command.code and "{" + "app1_ip}" not in command.code
        for markdown in rendered(text):
            problems.extend(f"{meta.id}: shows {line!r}" for line in leftovers(markdown, lang))
    assert problems == [], f"{lesson.id} ({lang}): tutorial addresses left:\n" + "\n".join(dict.fromkeys(problems))


def test_the_check_is_not_blind_to_a_pasted_tutorial_address():
    lesson = next(lesson for lesson in LESSONS if lesson.id == "reverse-proxy")
    text = lesson.step_text("write-proxy-config", "en")
    pasted = text.body.replace("{app1_ip}", "10.37.19.46")
    assert leftovers(fill_step(text, MINE, "en").body, "en") == []
    assert leftovers(pasted, "en") == ["proxy_pass http://10.37.19.46:3000;"]
    marked = fill_step(lesson.step_text("spot-the-bug", "en"), MINE, "en").body
    assert "10.37.19.64" in marked and leftovers(marked, "en") == []  # shown on purpose, and marked so
