"""Hostile lesson folders for `tutor lint`: every problem is a `file:line: message`, never a hang.

Each case was a traceback, a hang, an 18-second run or a silent pass before (issue 10).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import ROOT, assert_clean, run_cli
from tutor.lessons.lint import lint
from tutor.lessons.vocabulary import MAX_STEP_CHARS

HEAD = 'id = "{id}"\norder = {order}\ntitle = {{ id = "T", en = "T" }}\nsummary = {{ id = "S", en = "S" }}\n'


def prose(steps: list[str], body: str = "Text.") -> str:
    return "# T\n\n" + "".join(f"::::{{step}} {step}\n## {step}\n\n{body}\n::::\n\n" for step in steps)


def make(root: Path, folder: str, toml: str | None, steps=("x",), body="Text.", extra: str = "") -> Path:
    path = root / folder
    path.mkdir(parents=True)
    lesson_id = folder.split("-", 1)[1]
    if toml is None:
        toml = HEAD.format(id=lesson_id, order=int(folder[:2])) + extra + "".join(
            f'[[step]]\nid = "{step}"\ncore = true\nminutes = 1\n' for step in steps)
    (path / "lesson.toml").write_text(toml)
    for lang in ("id", "en"):
        (path / f"{lang}.md").write_text(prose(list(steps), body))
    return path


def messages(root: Path) -> list[str]:
    return [error.message for error in lint(root)[1]]


def test_deeply_nested_toml_is_a_syntax_error(tmp_path):
    make(tmp_path, "01-deep", HEAD.format(id="deep", order=1) + "x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert messages(tmp_path) == ["TOML syntax error: arrays or tables nested too deeply"]


@pytest.mark.parametrize("name", ["lesson.toml", "en.md"])
def test_a_fifo_in_a_lesson_is_reported_not_waited_for(tmp_path, name):
    folder = make(tmp_path, "01-fifo", None)
    (folder / name).unlink()
    os.mkfifo(folder / name)
    found = [(Path(e.file).name, e.message) for e in lint(tmp_path)[1]]
    assert (name, f"cannot read {name}: not a regular file (a pipe, socket or device)") in found


def test_a_folder_that_cannot_be_read_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    """As root every folder is readable, so the refusal is simulated where the OS would raise it."""
    make(tmp_path, "01-ok", None)
    locked = make(tmp_path, "02-locked", None)
    real_is_file = Path.is_file

    def is_file(path):
        if locked in path.parents:
            raise PermissionError(13, "Permission denied", str(path))
        return real_is_file(path)

    monkeypatch.setattr(Path, "is_file", is_file)
    code, out, err = run_cli(["lint", str(tmp_path)])
    assert_clean(code, out, err, codes=(0, 1))


def test_lessons_that_require_themselves_or_each_other_are_errors(tmp_path):
    make(tmp_path, "01-a", None, extra='requires = ["a"]\n')
    make(tmp_path, "02-b", None, extra='requires = ["c"]\n')
    make(tmp_path, "03-c", None, extra='requires = ["b"]\n')
    make(tmp_path, "04-d", None, extra='requires = ["a"]\n')  # requires a lesson in a cycle: not itself one
    found = sorted(messages(tmp_path))
    assert found == [
        "lesson 'a' requires itself; no one could ever start it",
        "lesson 'b' is part of a cycle of requirements: b -> c -> b; no one could ever start it",
        "lesson 'c' is part of a cycle of requirements: c -> b -> c; no one could ever start it",
    ]


def test_a_step_of_one_huge_line_is_too_long(tmp_path):
    make(tmp_path, "01-big", None, body="a" * (MAX_STEP_CHARS + 1))
    found = messages(tmp_path)
    assert len(found) == 2 and all("characters: keep a step under 20,000" in message for message in found)


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    make(tmp_path, "01-huge", None, body="a" * 5_000_000)
    assert sorted(messages(tmp_path)) == ["cannot read en.md: larger than the limit of 2,000,000 bytes",
                                          "cannot read id.md: larger than the limit of 2,000,000 bytes"]


def test_control_characters_in_titles_are_errors_and_never_printed(tmp_path):
    toml = HEAD.format(id="esc", order=1).replace('en = "T"', 'en = "T\\u001b]52;c;SGVsbG8=\\u0007"')
    make(tmp_path, "01-esc", toml + '[[step]]\nid = "x"\n')
    code, out, err = run_cli(["lint", str(tmp_path)])
    assert_clean(code, out, err, codes=(1,))
    assert "`title.en` has control or format characters" in out


def test_twenty_thousand_steps_lint_in_linear_time(tmp_path):
    """Not a speed test: counts how often a step is looked up, which was quadratic."""
    from tutor.lessons import prose as prose_module

    steps = [f"s{i}" for i in range(2000)]
    make(tmp_path, "01-many", None, steps=steps)
    calls = 0
    real_step = prose_module.ParsedFile.step

    def counting(self, step_id):
        nonlocal calls
        calls += 1
        return real_step(self, step_id)

    prose_module.ParsedFile.step = counting
    try:
        assert messages(tmp_path) == []
    finally:
        prose_module.ParsedFile.step = real_step
    assert calls <= 3 * len(steps)


def test_lint_json_into_a_closed_pipe_is_quiet(tmp_path):
    """`tutor lint --json | head -1`: the reader leaves early; no BrokenPipeError traceback.

    The report is made larger than a pipe's buffer, so the writer really meets the closed pipe.
    """
    make(tmp_path, "01-many", None, steps=[f"step-number-{i}" for i in range(4000)])  # ~90 kB of JSON
    script = f'"{sys.executable}" -m tutor lint "{tmp_path}" --json | head -1'
    done = subprocess.run(["bash", "-c", script + "; echo rc=${PIPESTATUS[0]}"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.stdout.splitlines()[0] == "{"
    assert done.stdout.splitlines()[-1] in ("rc=0", "rc=1")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
