"""Core path and minutes per step: read from lesson.toml, shown in the step list and on the home
screen, estimated from the text (tutor/lessons/estimate.py), and within a session for the shipped lessons."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.lessons.estimate import TYPING_CPS, WAITS, estimate, prose_words
from tutor.lessons.loader import load_lesson, load_lessons
from tutor.lessons.model import Command, StepMeta, StepText
from tutor.paths import lessons_dir
from tutor.widgets.lesson_time import step_time

FIXTURES = Path(__file__).parent / "fixtures"
SESSION_MINUTES = 90  # one bootcamp session: the core path of a lesson fits it


def test_core_and_minutes_are_read_and_summed():
    lesson = load_lesson(FIXTURES / "tui" / "lessons" / "01-web-server")
    assert [(step.id, step.core, step.minutes) for step in lesson.steps] == [
        ("intro", True, 4), ("install", True, 12), ("run", False, 9)]
    assert (lesson.core_minutes, lesson.optional_minutes) == (16, 9)


@pytest.mark.parametrize(("lang", "core", "shown"), [
    ("en", True, "5m"), ("en", False, "opt 5m"), ("id", True, "5m"), ("id", False, "opsi 5m")])
def test_the_step_list_shows_minutes_and_marks_optional_steps(lang, core, shown):
    text = step_time(StepMeta("x", core=core, minutes=5), lang)
    assert text.plain == shown
    assert text.style == "dim"


def test_a_step_without_minutes_shows_no_time_column():
    assert step_time(StepMeta("x"), "en").plain == ""


async def test_step_list_lines_fit_their_column_and_end_with_the_time(tmp_path):
    from tutor.app import TutorApp
    from tutor.widgets.step_list import TEXT_WIDTH, StepList

    app = TutorApp(lang="en", lessons_root=lessons_dir(), data_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_lesson("load-balancing")
        await pilot.pause()
        steps = app.screen.query_one(StepList)
        lines = [str(steps.get_option_at_index(index).prompt) for index in range(steps.option_count)]
    lesson = load_lessons(lessons_dir()).get("load-balancing")
    assert len(lines) == len(lesson.steps)
    for line, step in zip(lines, lesson.steps):
        assert len(line) == TEXT_WIDTH, line
        assert line.endswith(f"{'opt ' if not step.core else ''}{step.minutes}m"), line


async def test_home_shows_each_lessons_core_minutes_and_optional_minutes(tmp_path):
    from rich.console import Console
    from textual.widgets import OptionList

    from tutor.app import TutorApp

    app = TutorApp(lang="id", lessons_root=FIXTURES / "tui" / "lessons", data_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        console = Console(width=90, record=True)
        for index in range(options.option_count):
            console.print(options.get_option_at_index(index).prompt)
    shown = console.export_text()
    assert "0/3 langkah · ~16 menit" in shown
    assert "+9 menit opsional" in shown
    assert "0/2 langkah · ~21 menit" in shown
    assert shown.count("opsional") == 1  # a lesson without optional steps says nothing about them


def test_the_shipped_lessons_core_paths_fit_a_session():
    lessons = load_lessons(lessons_dir()).lessons
    assert lessons
    for lesson in lessons:
        assert all(step.minutes for step in lesson.steps), lesson.id
        assert lesson.core_minutes <= SESSION_MINUTES, f"{lesson.id}: core path {lesson.core_minutes} min"


def test_prose_words_leave_out_code_fences_and_comments():
    markdown = "Two words.\n\n```bash\nls -la /etc many words here\n```\n<!-- tutor:example=tutorial -->\nthree more words"
    assert prose_words(markdown) == 5


def test_the_estimate_counts_reading_typing_and_waiting():
    body = " ".join(["kata"] * 300)  # two minutes at 150 words a minute
    text = StepText("t", body, commands=(
        Command("bash", "cd ~/dumbsound\nnpm install", "app1"),
        Command("powershell", "notepad C:\\Windows\\System32\\drivers\\etc\\hosts", "laptop"),  # the Windows alternative
        Command("bash", "sudo tutor lab start app1", "laptop", lab=True),  # the lab's, not typed on VMs
        Command("text", "sample output that nobody types"),
    ))
    found = estimate(text)
    assert found.reading == pytest.approx(120)
    typed = len("cd ~/dumbsound") + len("npm install")
    assert found.typing == pytest.approx(typed / TYPING_CPS + 2 * 15)
    assert found.waiting == dict(WAITS)[r"\bnpm install\b"]
    assert found.minutes == 5  # 120 + 42.5 + 90 = 252.5 seconds, rounded up


def test_a_loop_waits_its_sleeps():
    text = StepText("t", "", commands=(Command("bash", "for i in $(seq 30); do curl -s http://x; sleep 1; done"),))
    assert estimate(text).waiting == 30


def test_the_estimate_report_lists_every_step_and_the_core_path(capsys):
    from tutor.lessons.estimate import main

    assert main([str(FIXTURES / "tui" / "lessons"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "run" in out and "lesson.toml:   9 min optional" in out
    assert "core path: estimate" in out and "lesson.toml 16 min" in out
    assert main([str(FIXTURES / "nowhere")]) == 2
