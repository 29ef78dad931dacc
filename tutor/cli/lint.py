"""`tutor lint [PATH] [--json]`: print lesson errors as `file:line: message`.

Exit codes: 0 clean, 1 any error, 2 when PATH holds no lessons (one line on stderr). The linter
itself is tutor.lessons.lint.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tutor.i18n import tr
from tutor.sanitize import sanitize

TEXT = "lint"
"""The catalogue section of the summary line (tutor/locale/*.toml)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor lint` (help texts: the [cli] catalogue, keys "lint.*")."""
    lint = sub.add_parser("lint")
    lint.add_argument("path", nargs="?", metavar="PATH")
    lint.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    """Run `tutor lint` with parsed args; returns the exit code."""
    from tutor.lessons.lint import LintUsageError, lint
    from tutor.paths import lessons_dir

    path = Path(args.path) if getattr(args, "path", None) else lessons_dir()
    lang = getattr(args, "lang", "id")
    try:
        lessons, errors = lint(path)
    except LintUsageError as exc:
        print(sanitize(f"tutor lint: {exc.text(lang)}", 500, markup=False), file=sys.stderr)
        return 2
    if getattr(args, "json", False):
        report = {
            "lessons": lessons,
            "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in errors],
        }
        print(json.dumps(report, indent=2))
    else:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(errors="backslashreplace")  # lesson titles in a non-UTF-8 terminal
        for error in errors:
            print(sanitize(str(error), 2000, markup=False))
        steps = sum(len(lesson["steps"]) for lesson in lessons)
        verdict = _count_in(len(errors), "error", lang) if errors else tr(TEXT, "no_errors", lang)
        print(tr(TEXT, "summary", lang, lessons=_count_in(len(lessons), "lesson", lang),
                 steps=_count_in(steps, "step", lang), verdict=verdict))
    return 1 if errors else 0


def _count_in(number: int, noun: str, lang: str) -> str:
    """"1 lesson", "3 lessons" ("3 materi") from the catalogue's `one.<noun>` and `many.<noun>`."""
    return tr(TEXT, f"{'one' if number == 1 else 'many'}.{noun}", lang, n=number)
