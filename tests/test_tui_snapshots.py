"""Snapshots of the main screens in both languages, at 80x24 and 120x40, and of a step with a
question inside its text at 80x24 and 100x30 (fixture lessons)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown, OptionList

from tui_support import wait_for
from tutor.app import TutorApp

FIXTURES = Path(__file__).parent / "fixtures" / "tui" / "lessons"
PREDICT_FIXTURES = Path(__file__).parent / "fixtures" / "tui_predict" / "lessons"
SIZES = [(80, 24), (120, 40)]
PREDICT_SIZES = [(80, 24), (100, 30)]
LANGS = ["id", "en"]


@pytest.fixture(autouse=True)
def no_background_prefetch(monkeypatch):
    """The next step is built in the background 0.3 s after a step opens; a snapshot taken while
    that happens could differ from one taken before, so snapshots never start it."""
    monkeypatch.setattr("tutor.screens.lesson.PREFETCH_DELAY", 3600.0)


@pytest.fixture(autouse=True)
def no_render_deadline(monkeypatch):
    """A step scrolls to a hint once its text is laid out, or after RENDER_WAIT anyway; on a busy
    machine that clock may run out first and the view stays short. Here only the layout decides."""
    monkeypatch.setattr("tutor.widgets.step_view.RENDER_WAIT", 3600.0)


def make_app(lang: str) -> TutorApp:
    return TutorApp(lang=lang, lessons_root=FIXTURES)


async def settle(pilot) -> None:
    """Wait until every Markdown on screen has mounted its blocks (parsing runs in a thread)."""
    for _ in range(200):
        await pilot.pause()
        pending = [md for md in pilot.app.screen.query(Markdown) if md.source.strip() and not md.children]
        if not pending:
            break
        await pilot.pause(0.01)
    await pilot.app.workers.wait_for_complete()  # e.g. scrolling to a hint once the text is laid out
    await pilot.pause()


async def open_install_step_with_a_hint(pilot) -> None:
    pilot.app.screen.query_one("#lessons", OptionList).highlighted = 0
    await pilot.press("enter", "n", "h")
    await settle(pilot)
    view = pilot.app.screen.current_view()  # the hint's scroll waits for the layout (later on a busy machine)
    assert await wait_for(pilot, lambda: view.last_revealed is not None and view.scrolled_to is view.last_revealed,
                          limit=1200)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_home(snap_compare, lang, size):
    assert snap_compare(make_app(lang), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_lesson_step(snap_compare, lang, size):
    assert snap_compare(make_app(lang), terminal_size=size, run_before=open_install_step_with_a_hint)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_help(snap_compare, lang, size):
    async def open_help(pilot):
        await open_install_step_with_a_hint(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app(lang), terminal_size=size, run_before=open_help)


@pytest.mark.parametrize("size", PREDICT_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_step_with_a_question(snap_compare, lang, size):
    async def open_question(pilot):
        pilot.app.open_lesson("load-balancing", "guess")
        for _ in range(100):
            await pilot.pause()
            if pilot.app.screen.query("PredictPanel"):
                break
        await settle(pilot)

    app = TutorApp(lang=lang, lessons_root=PREDICT_FIXTURES)
    assert snap_compare(app, terminal_size=size, run_before=open_question)
