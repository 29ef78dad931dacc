"""The README's text pictures of the app, drawn by the app itself (so they cannot drift).

`render_readme_pictures()` returns each picture as the lines of text the app draws (100x30,
English, run_test); tests/test_readme_pictures.py checks that the README's ```text blocks equal
them after `normalise` (trailing spaces and trailing empty lines dropped, nothing else).
Print them to paste into README.md: `python tests/readme_pictures.py`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

SIZE = (100, 30)
LESSON, STEP = "reverse-proxy", "spot-the-bug"
SCENARIO, PAUSE_AT = "lb-one-dies", 34.6  # the simulator picture: one app stopped, nginx retried
SIM_SIZE = (100, 22)


def normalise(lines: list[str]) -> list[str]:
    """The documented normalisation: trailing spaces dropped, trailing empty lines dropped."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _screen_text(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def _lesson_picture(data_dir: Path) -> list[str]:
    from tutor.app import TutorApp

    app = TutorApp(lang="en", data_dir=data_dir)
    async with app.run_test(size=SIZE) as pilot:
        assert app.open_lesson(LESSON, STEP)
        await pilot.pause()
        screen = app.screen
        for step in screen.lesson.steps[: screen.index]:
            app.progress.visit(LESSON, step.id)
        app.progress.visit(LESSON, STEP)
        await pilot.press("h")
        await pilot.pause(0.5)
        screen.current_view().scroll_home(animate=False)
        await pilot.pause(0.3)
        return normalise(_screen_text(app))


async def _simulator_picture() -> list[str]:
    from tutor.scenarios import runnable
    from support.play_app import PlayApp

    app = PlayApp(runnable(SCENARIO), lang="en", timer=False, playing=False)
    async with app.run_test(size=SIM_SIZE) as pilot:
        panel = app.screen.panel
        while panel.player.frame.t < PAUSE_AT - 1e-9:  # stepped by hand: no wall clock
            panel.step()
        await pilot.pause()
        return normalise(_screen_text(app))


def render_readme_pictures(data_dir: Path) -> dict[str, list[str]]:
    """name -> the picture's lines: "lesson" (a step with a hint shown, English, 100x30) and
    "simulator" (`tutor play lb-one-dies` paused after app2 stopped, English, 100x22)."""
    return {"lesson": asyncio.run(_lesson_picture(data_dir)), "simulator": asyncio.run(_simulator_picture())}


if __name__ == "__main__":
    import sys
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryDirectory() as folder:
        for name, lines in render_readme_pictures(Path(folder)).items():
            print(f"--- {name}")
            print("\n".join(lines))
