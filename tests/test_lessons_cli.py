"""`tutor lint` on the command line: exit codes, `file:line: message` lines and the JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "lessons"

NO_HINT = ("has commands but no hint: give a hint ladder of at least 2 `:::{hint}` blocks (a nudge, then where "
           "to look, then nearly the answer)")


def _tutor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=60)


def test_clean_lessons_exit_0_with_the_binding_json_shape():
    result = _tutor("lint", str(FIXTURES / "good"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == ["lessons", "errors"]
    assert report["errors"] == []
    assert report["lessons"][0] == {
        "id": "web-basics", "languages": ["id", "en"], "steps": ["intro", "first-request", "predict-it"]}
    assert all(list(lesson) == ["id", "languages", "steps"] for lesson in report["lessons"])


def test_errors_exit_1_in_json():
    result = _tutor("lint", str(FIXTURES / "broken" / "11-english-step-missing"), "--json", "--lang", "en")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["lessons"] == [{"id": "english-step-missing", "languages": ["id", "en"], "steps": ["one", "two"]}]
    (error,) = report["errors"]
    assert list(error) == ["file", "line", "message"]
    assert (error["file"], error["line"]) == ("11-english-step-missing/en.md", 3)
    assert error["message"] == "step 'one' is missing (it is in id.md:3)"


def test_errors_exit_1_as_file_line_message_lines():
    result = _tutor("lint", str(FIXTURES / "broken" / "10-commands-no-hint"), "--lang", "en")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"10-commands-no-hint/en.md:3: step 'one' {NO_HINT}",
        f"10-commands-no-hint/id.md:3: step 'one' {NO_HINT}",
        "tutor lint: 1 lesson, 2 steps, 2 errors",  # the summary is output, not an error: stdout
    ]
    assert result.stderr == ""
    summary = _tutor("lint", str(FIXTURES / "broken" / "10-commands-no-hint"), "--lang", "id").stdout.splitlines()[-1]
    assert summary == "tutor lint: 1 materi, 2 langkah, 2 error"


def test_a_path_without_lessons_exits_2_with_one_line(tmp_path):
    result = _tutor("lint", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and ("no such file" in result.stderr or "tidak ada" in result.stderr)
