"""TUI speed: time to the first full frame of `tutor` vs a bare Textual app showing one Markdown
document (same run, alternating subprocesses, medians), and the time to open a lesson step.

Run: python benchmarks/bench_tui.py [--runs N]. Targets: startup ratio <= 1.3, step open <= 150 ms.
Not a test: it prints numbers, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (100, 30)

# Each child records perf_counter() before importing anything heavy, so import time counts.
TUTOR_CHILD = """
import time; start = time.perf_counter()
import asyncio
from tutor.app import TutorApp

async def main():
    app = TutorApp(lang="id")
    async with app.run_test(size={size}) as pilot:
        await pilot.pause()
        print(time.perf_counter() - start)

asyncio.run(main())
"""

BARE_CHILD = """
import time; start = time.perf_counter()
import asyncio
from textual.app import App
from textual.widgets import Markdown

DOCUMENT = open({doc!r}, encoding="utf-8").read()

class Bare(App):
    def compose(self):
        yield Markdown(DOCUMENT)

async def main():
    app = Bare()
    async with app.run_test(size={size}) as pilot:
        markdown = app.query_one(Markdown)
        while not markdown.children:
            await pilot.pause(0.001)
        await pilot.pause()
        print(time.perf_counter() - start)

asyncio.run(main())
"""

STEP_CHILD = """
import asyncio, time, statistics
from textual.widgets import Markdown
from tutor.app import TutorApp
from tutor.screens.lesson import PREFETCH_DELAY, LessonScreen

async def open_step(pilot, screen, index):
    # From the key press to the frame that shows the step's last block laid out on screen.
    # Polls with asyncio.sleep, not pilot.pause(), which itself waits ~25 ms for an idle frame;
    # looks at the view's own children (a DOM query each millisecond would cost the app time).
    begin = time.perf_counter()
    screen.show_step(index)
    view = screen.current_view()
    while True:
        body = next((child for child in view.children if child.has_class("step-body")), None)
        if body is not None and body.children and body.children[-1].region.height > 0:
            break
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - begin
    await pilot.pause()
    return elapsed

async def main():
    app = TutorApp(lang="id")
    cold, following = [], []
    async with app.run_test(size={size}) as pilot:
        for lesson in app.lessons.lessons:
            # Cold: walk backwards, so the background build of step i+1 never helps step i.
            app.open_lesson(lesson.id, lesson.steps[-1].id)
            await pilot.pause()
            screen = app.screen
            for index in range(len(lesson.steps) - 2, -1, -1):
                cold.append(await open_step(pilot, screen, index))
            screen.action_back()
            await pilot.pause()
        app.progress.reset_all()
        for lesson in app.lessons.lessons:
            # Reading forwards: the learner reads a moment, then presses n.
            app.open_lesson(lesson.id)
            await pilot.pause()
            screen = app.screen
            screen.forget_views()
            for index in range(1, len(lesson.steps)):
                await pilot.pause(PREFETCH_DELAY + 0.3)
                following.append(await open_step(pilot, screen, index))
            screen.action_back()
            await pilot.pause()
    p90 = lambda values: statistics.quantiles(values, n=10)[-1]
    print(statistics.median(cold), p90(cold), statistics.median(following), p90(following), len(cold))

asyncio.run(main())
"""


def typical_step_document() -> Path:
    """The body of the first shipped step, written to a temp file for the bare app."""
    sys.path.insert(0, str(ROOT))
    from tutor.lessons.loader import load_lessons
    from tutor.paths import lessons_dir

    lesson = load_lessons(lessons_dir()).lessons[0]
    text = lesson.step_text(lesson.steps[0].id, "id")
    handle = tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8")
    handle.write(f"## {text.title}\n\n{text.body}")
    handle.close()
    return Path(handle.name)


def run_child(code: str, data_dir: str) -> list[float]:
    env = {**os.environ, "TUTOR_DATA_DIR": data_dir, "TEXTUAL_ANIMATIONS": "none", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"child failed: {result.stderr.strip().splitlines()[-1:]}")
    return [float(value) for value in result.stdout.split()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    document = typical_step_document()
    with tempfile.TemporaryDirectory() as data_dir:
        tutor_times, bare_times = [], []
        for _ in range(args.runs):  # alternate, so machine noise hits both alike
            tutor_times.append(run_child(TUTOR_CHILD.format(size=SIZE), data_dir)[0])
            bare_times.append(run_child(BARE_CHILD.format(size=SIZE, doc=str(document)), data_dir)[0])
        cold_median, cold_p90, next_median, next_p90, steps = run_child(STEP_CHILD.format(size=SIZE), data_dir)
    document.unlink()
    tutor_median = statistics.median(tutor_times)
    bare_median = statistics.median(bare_times)
    print(f"load average {' '.join(f'{value:.1f}' for value in os.getloadavg())} (2 cores shared: compare the ratio)")
    print(f"first frame: tutor {tutor_median * 1000:.0f} ms, bare Textual + one Markdown {bare_median * 1000:.0f} ms "
          f"(medians of {args.runs}); ratio {tutor_median / bare_median:.2f} (target <= 1.3)")
    print(f"open a step, cold (never built): median {cold_median * 1000:.0f} ms, p90 {cold_p90 * 1000:.0f} ms "
          f"over {int(steps)} shipped steps (target <= 150 ms)")
    print(f"open the next step after reading (built in the background): median {next_median * 1000:.0f} ms, "
          f"p90 {next_p90 * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
