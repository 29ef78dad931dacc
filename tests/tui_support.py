"""Helpers every TUI test may use: waiting on the app's own clock, opening the first lesson."""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.widgets import OptionList

from tutor.screens.lesson import LessonScreen


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


async def open_first_lesson(pilot) -> LessonScreen:
    """From the home screen, open the first lesson at its first step."""
    pilot.app.screen.query_one("#lessons", OptionList).highlighted = 0
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LessonScreen)
    return pilot.app.screen


async def judged(pilot, panel) -> None:
    """Wait until `panel`'s (a PredictPanel's) headless judging run has finished: the worker thread
    hands its result to the app (call_from_thread returns once the panel has it), then ends."""
    workers = [worker for worker in pilot.app.workers if worker.node is panel and worker.group == "pred-judge"]
    assert workers, "no judging run: was a choice picked?"
    await pilot.app.workers.wait_for_complete(workers)
    verdict = panel.query_one("#pred-result")
    assert await wait_for(pilot, lambda: verdict.size.height > str(verdict.content).count("\n"))  # laid out whole
