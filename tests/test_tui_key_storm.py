"""A seeded key storm: random keys from the app's own bindings plus Tab, Esc, Enter, arrows and
PageUp/PageDown, on every screen (home, each shipped lesson, help, palette, machines, the
simulator), at 80x24 and 120x40 in both languages. No exception may escape, and afterwards the
app still answers ctrl+q.

Live checks never send anything here: random typing on the machines screen could save any
address, so `run_checks` is replaced by one that answers nothing (the network rule).
"""

from __future__ import annotations

import asyncio
import gc
import random
import warnings
import unicodedata

import pytest
from textual import events
from textual.binding import Binding
from textual.keys import _character_to_key, _get_unicode_name_from_key

from tutor.app import TutorApp
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.machines import MachinesScreen
from tutor.screens.nginx_config import NginxConfigScreen
from tutor.screens.role_dialog import RoleDialog
from tutor.screens.modals import CommandPicker, ConfirmScreen, ErrorScreen, HelpScreen, LinkScreen
from tutor.simview.panel import SimPanel
from tutor.simview.predict import PredictPanel
from tutor.simview.screen import SimScreen

KEYS_PER_RUN = 400  # x 4 runs (2 sizes x 2 languages)
BATCH = 7  # keys sent before the storm waits for the app to catch up (held keys arrive in bursts)
NEVER = {"ctrl+q", "q", "ctrl+c"}  # keys that end the app: the storm must keep it running
EXTRA = ["tab", "shift+tab", "escape", "enter", "up", "down", "left", "right", "pageup", "pagedown",
         "home", "end", "space"]
BOUND = (TutorApp, HomeScreen, LessonScreen, MachinesScreen, RoleDialog, NginxConfigScreen, HelpScreen,
         ConfirmScreen, ErrorScreen, CommandPicker, LinkScreen, SimScreen, SimPanel, PredictPanel)


def storm_keys() -> list[str]:
    """Every key bound anywhere in the app (minus quitting) plus the keys a learner tries first."""
    keys = set(EXTRA)
    for owner in BOUND:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding):
                keys.update(key.strip() for key in binding.key.split(","))
            else:
                keys.update(key.strip() for key in binding[0].split(","))
    return sorted(keys - NEVER)


def starts(app: TutorApp) -> list:
    """Ways to put the app on a given screen before a burst of keys."""
    lessons = [lesson.id for lesson in app.lessons.lessons]
    ways = [lambda: None, app.open_machines, app.action_help, app.action_command_palette,
            lambda: app.push_screen(SimScreen("lb-one-dies", lang=app.lang))]
    for lesson_id in lessons:
        steps = [step.id for step in app.lessons.get(lesson_id).steps]
        ways.append(lambda lesson_id=lesson_id, steps=steps: app.open_lesson(lesson_id, steps[len(steps) // 2]))
        ways.append(lambda lesson_id=lesson_id: app.open_lesson(lesson_id))
    return ways


async def back_home(app: TutorApp, last: list[str]) -> None:
    await caught_up(app, last)
    stack = [type(screen).__name__ for screen in app.screen_stack]
    assert "HomeScreen" in stack, f"{last} closed the home screen: {stack}"
    while not isinstance(app.screen, HomeScreen):
        await app.pop_screen()
        await caught_up(app, last)


async def burst(app: TutorApp, keys: list[str]) -> None:
    """Send `keys` as a terminal does when a key is held (no waiting in between), then wait until
    the app has handled them (Pilot.press waits for the whole process to idle after each key,
    which a running simulator never lets happen)."""
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(key))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await caught_up(app, keys)


async def caught_up(app: TutorApp, keys: list[str]) -> None:
    """Wait until the app has handled everything sent so far, or has stopped (a crash, which
    run_test raises). Pilot.pause waits for the whole process to idle, which a running simulator
    never lets happen (it then waits a full second each time)."""
    for _ in range(2):  # twice: what the first round posted (a screen to mount) is handled too
        handled = asyncio.Event()
        app.call_later(handled.set)
        for _ in range(3000):
            if handled.is_set() or not app.is_running:
                break
            await asyncio.sleep(0.01)
        assert handled.is_set() or not app.is_running, f"the app stopped handling keys after {keys} on {app.screen_stack}"
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def no_probes(monkeypatch):
    async def answer_nothing(checks, machines, **_kwargs):
        return []

    monkeypatch.setattr("tutor.live.runner.run_checks", answer_nothing)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["id", "en"])
async def test_key_storm(lang, size):
    rng = random.Random(f"storm-{lang}-{size}")
    keys = storm_keys()
    app = TutorApp(lang=lang)
    seen: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        await _storm(app, rng, keys, seen, size)
        gc.collect()  # a coroutine that was never awaited warns when it is collected
    never_awaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert not never_awaited, f"work handed to a worker that never ran it: {never_awaited}"
    expected = {"HomeScreen", "LessonScreen", "MachinesScreen", "HelpScreen", "SafeCommandPalette", "SimScreen"}
    assert expected <= seen, f"the storm missed {expected - seen}"


async def _storm(app, rng, keys, seen: set[str], size) -> None:
    sent = 0
    async with app.run_test(size=size) as pilot:
        ways = starts(app)
        chosen: list[str] = []
        while sent < KEYS_PER_RUN and app.is_running:
            rng.shuffle(ways)
            for way in ways:  # every screen in turn, in a seeded order
                await back_home(app, chosen)
                way()
                await caught_up(app, chosen)
                seen.add(type(app.screen).__name__)
                for _ in range(rng.randint(2, 5)):
                    chosen = [rng.choice(keys) for _ in range(BATCH)]
                    await burst(app, chosen)
                    sent += len(chosen)
                    seen.add(type(app.screen).__name__)
        await back_home(app, chosen)
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    print(f"storm {app.lang} {size[0]}x{size[1]}: {sent} keys over {len(keys)} distinct keys; screens {sorted(seen)}")
