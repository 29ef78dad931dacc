"""Helpers for the TUI live-mode tests: the fixture lesson app and waiting on the app's own clock."""

from __future__ import annotations

from pathlib import Path

from textual.css.query import NoMatches

from tutor.app import TutorApp

LESSONS = Path(__file__).parent / "fixtures" / "tui_live" / "lessons"
SIZE = (100, 30)


def make_app(lang: str = "en") -> TutorApp:
    """The app on the live-lab fixture lesson."""
    return TutorApp(lang=lang, lessons_root=LESSONS)


async def wait_for(pilot, condition, limit: int = 200) -> bool:
    """Let the app run until `condition()` holds (at most `limit` short pauses).

    A widget the condition queries that is not there yet (NoMatches: a pushed screen composes
    a moment later, later still on a busy machine) means "not yet".
    """
    for _ in range(limit):
        if _holds(condition):
            return True
        await pilot.pause(0.05)
    return condition()


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except NoMatches:
        return False
