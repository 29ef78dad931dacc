"""Loading lessons: steps, hints, solutions, commands, predicts, fallback, broken lessons, caching."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.lessons.loader import LessonLoadError, load_lesson, load_lessons, preload_texts, read_lesson
from tutor.lessons.model import Choice, Command

FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
GOOD = FIXTURES / "good"
BROKEN = FIXTURES / "broken"


@pytest.fixture(scope="module")
def web_basics():
    return load_lesson(GOOD / "01-web-basics")


def test_structure_comes_from_lesson_toml(web_basics):
    assert web_basics.id == "web-basics"
    assert web_basics.order == 1
    assert web_basics.title == {"id": "Dasar web server", "en": "Web server basics"}
    assert [step.id for step in web_basics.steps] == ["intro", "first-request", "predict-it"]
    first_request = web_basics.steps[1]
    assert first_request.covers == ("rp-1", "rp-2")
    assert first_request.roles == ("laptop", "proxy")
    assert first_request.checks == ("app-running", "nginx-running")
    assert web_basics.steps[0].scenario == "demo"
    assert web_basics.steps[2].covers == ("rp-3", "lb-1")  # a list over several lines


def test_step_title_hints_and_solution(web_basics):
    text = web_basics.step_text("first-request", "en")
    assert text.title == "Send a first request"
    assert text.line == 16
    assert text.hints[0] == "Is the server running?"
    assert text.hints[1] == "Start it first:\n\n```bash\nsudo systemctl start nginx\n```"
    assert text.solution == "Run `curl -i http://localhost/` after starting nginx."
    assert not text.fallback


def test_commands_keep_their_language_and_role(web_basics):
    text = web_basics.step_text("first-request", "id")
    assert text.commands == (
        Command("bash", "curl -i http://localhost/", "laptop"),
        Command("nginx", "server { listen 80; }", "proxy"),  # a fence inside a list item
        Command("text", "HTTP/1.1 200 OK", None),
    )


def test_body_drops_directives_title_and_fence_options(web_basics):
    body = web_basics.step_text("first-request", "en").body
    assert body.startswith("Type this on your laptop:")
    assert "```bash\ncurl -i http://localhost/\n```" in body
    assert "   ```nginx\n   server { listen 80; }\n   ```" in body
    for leftover in ("{role=", ":::", "## Send a first request", "Is the server running?", "after starting nginx"):
        assert leftover not in body
    assert "\n\n\n" not in body


def test_sim_blocks_and_their_captions(web_basics):
    text = web_basics.step_text("intro", "en")
    assert text.sims == ("demo",)
    assert text.sim_captions == ("Watch requests *arrive*.",)
    assert ":::" not in text.body and "Watch requests" not in text.body


def test_predict_question_choices_and_explanation(web_basics):
    (predict,) = web_basics.step_text("predict-it", "en").predicts
    assert predict.scenario == "demo"
    assert predict.question == "What does the browser get when the app is stopped?"
    assert predict.choices == (
        Choice("The page, as usual", False),
        Choice("A `502 Bad Gateway` error", True),
        Choice("Nothing, it waits forever", False),
    )
    assert predict.explanation.startswith("nginx cannot connect to the app, so it answers 502.")
    assert predict.explanation.endswith("[the proxy lesson](lesson:proxy-basics#setup).")


def test_lesson_with_only_indonesian_text_falls_back():
    lesson = load_lesson(BROKEN / "12-no-english")
    assert list(lesson.texts) == ["id"]
    text = lesson.step_text("one", "en")
    assert text.fallback
    assert text.title == "Langkah satu"
    assert text.commands == (Command("bash", "echo satu", "laptop"),)
    assert not lesson.step_text("one", "id").fallback


def test_step_missing_in_one_language_falls_back_to_the_other():
    lesson = load_lesson(BROKEN / "11-english-step-missing")
    assert lesson.step_text("one", "en").fallback
    assert lesson.step_text("one", "en").title == "Langkah satu"
    assert lesson.step_text("two", "en").title == "Step two"
    assert not lesson.step_text("two", "en").fallback


def test_swallowed_step_falls_back_and_unknown_step_gives_a_placeholder():
    lesson = load_lesson(BROKEN / "05-unclosed-step")  # id.md swallows step 'two' into 'one'
    assert lesson.step_text("two", "id").title == "Step two"
    assert lesson.step_text("two", "id").fallback
    assert lesson.step_text("nonexistent", "en").title == "nonexistent"


def test_load_lessons_sorts_by_order_and_reads_requires():
    lesson_set = load_lessons(GOOD)
    assert [lesson.id for lesson in lesson_set.lessons] == ["web-basics", "proxy-basics"]
    assert lesson_set.get("proxy-basics").requires == ("web-basics",)
    assert lesson_set.errors == [] and lesson_set.broken == {}


def test_broken_lessons_do_not_stop_the_others():
    lesson_set = load_lessons(BROKEN)
    ids = [lesson.id for lesson in lesson_set.lessons]
    assert "no-english" in ids and "parity" in ids  # prose problems do not stop a lesson loading
    assert set(lesson_set.broken) == {"01-toml-syntax"}  # 19-no-toml has no lesson.toml: not a lesson
    (error,) = lesson_set.broken["01-toml-syntax"]
    assert (error.file, error.line) == ("broken/01-toml-syntax/lesson.toml", 3)
    assert "TOML syntax error" in error.message
    assert lesson_set.errors == [error]


def test_load_lesson_raises_with_file_and_line():
    with pytest.raises(LessonLoadError) as caught:
        load_lesson(BROKEN / "01-toml-syntax")
    (error,) = caught.value.errors
    assert error.file.endswith("lesson.toml") and error.line == 3


def test_lesson_without_any_text_is_broken(tmp_path):
    folder = tmp_path / "lessons" / "01-empty"
    folder.mkdir(parents=True)
    shutil.copy(GOOD / "01-web-basics" / "lesson.toml", folder / "lesson.toml")
    lesson_set = load_lessons(tmp_path / "lessons")
    assert lesson_set.lessons == []
    (error,) = lesson_set.broken["01-empty"]
    assert error.file == "lessons/01-empty/id.md"
    assert "neither id.md nor en.md" in error.message


def test_duplicate_lesson_ids_keep_the_first():
    lesson_set = load_lessons(FIXTURES / "duplicate-ids")
    assert [lesson.folder.name for lesson in lesson_set.lessons] == ["01-same"]
    (error,) = lesson_set.broken["02-same"]
    assert "already used by 01-same" in error.message


def test_missing_root_gives_an_empty_set(tmp_path):
    lesson_set = load_lessons(tmp_path / "nowhere")
    assert lesson_set.lessons == [] and lesson_set.errors == []


def test_texts_are_parsed_on_first_use_and_cached(tmp_path):
    folder = tmp_path / "01-web-basics"
    shutil.copytree(GOOD / "01-web-basics", folder)
    lesson = load_lesson(folder)
    assert not lesson.texts.loaded
    preload_texts([lesson])
    assert lesson.texts.loaded
    assert load_lesson(folder) is lesson  # unchanged files: the same parsed lesson


def test_a_changed_file_is_read_again(tmp_path):
    folder = tmp_path / "01-web-basics"
    shutil.copytree(GOOD / "01-web-basics", folder)
    before = load_lesson(folder)
    assert before.step_text("intro", "en").title == "What is a web server?"
    en = folder / "en.md"
    en.write_text(en.read_text().replace("## What is a web server?", "## What does a web server do?"))
    after = load_lesson(folder)
    assert after is not before
    assert after.step_text("intro", "en").title == "What does a web server do?"


def test_read_lesson_collects_prose_errors_with_lines():
    reading = read_lesson(BROKEN / "09-two-solutions")
    assert reading.lesson is not None
    found = {(Path(error.file).name, error.line) for error in reading.errors}
    assert found == {("id.md", 24), ("en.md", 30)}


def test_importing_the_loader_stays_light():
    code = ("import sys, tutor.lessons.loader, tutor.lessons.lint; "
            "print(sorted(m for m in ('textual', 'markdown_it', 'httpx', 'simpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parts_keep_sim_and_predict_blocks_where_they_stand(web_basics, tmp_path):
    from tutor.lessons.prose import parse_file

    intro = web_basics.step_text("intro", "en")
    assert [part.kind for part in intro.parts] == ["markdown", "sim"]
    assert intro.parts[1].scenario == "demo" and intro.parts[1].markdown == "Watch requests *arrive*."
    (only,) = web_basics.step_text("predict-it", "en").parts
    assert only.kind == "predict" and only.predict.question.startswith("What does the browser get")
    source = tmp_path / "en.md"
    source.write_text(
        "# T\n\n::::{step} s\n## Title\n\nBefore. Guess first:\n\n:::{hint}\nA hint.\n:::\n\n"
        ":::{predict} demo\nQ?\n\n- [x] yes\n- [ ] no\n\nWhy.\n:::\n\nAfter the question.\n\n```bash {role=proxy}\nls\n```\n\n"
        ":::{sim} other\nCaption.\n:::\n\nLast words.\n::::\n",
        encoding="utf-8",
    )
    (step,) = parse_file(source).steps
    parts = step.text.parts
    assert [(part.kind, part.scenario) for part in parts] == [
        ("markdown", None), ("predict", "demo"), ("markdown", None), ("sim", "other"), ("markdown", None)]
    assert parts[0].markdown == "Before. Guess first:"  # the title and the hint are not body text
    assert parts[2].markdown == "After the question.\n\n```bash\nls\n```"  # fence options reduced as in `body`
    assert parts[3].markdown == "Caption." and parts[4].markdown == "Last words."
    joined = "\n\n".join(part.markdown for part in parts if part.kind == "markdown")
    assert joined == step.text.body


def test_body_parts_fall_back_to_the_body():
    from tutor.lessons.model import StepText

    assert [(p.kind, p.markdown) for p in StepText(title="t", body="Some text.").body_parts()] == [("markdown", "Some text.")]
    assert StepText(title="t", body="").body_parts() == ()
