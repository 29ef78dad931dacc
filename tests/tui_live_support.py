"""Helpers for the TUI live-mode tests: the fixture lesson app and its terminal size."""

from __future__ import annotations

from pathlib import Path

from tutor.app import TutorApp

LESSONS = Path(__file__).parent / "fixtures" / "tui_live" / "lessons"
SIZE = (100, 30)


def make_app(lang: str = "en") -> TutorApp:
    """The app on the live-lab fixture lesson."""
    return TutorApp(lang=lang, lessons_root=LESSONS)
