"""One key map: keys declared once (tutor.keymap.Key), a user keymap in settings.json, and a key bar
and F1 help that show the keys that act now."""

from __future__ import annotations

import json
import os
from pathlib import Path


from tui_support import open_first_lesson
from tutor.app import TutorApp
from tutor.keymap import bar_pairs, declared, help_rows
from tutor.screens.home import HomeScreen
from tutor.screens.lesson import LessonScreen
from tutor.screens.machines import MachinesScreen
from tutor.screens.modals import CommandPicker, ConfirmScreen, ErrorScreen, HelpScreen, LinkScreen
from tutor.screens.nginx_config import NginxConfigScreen
from tutor.screens.role_dialog import RoleDialog
from tutor.settings import Settings
from tutor.simview.panel import SimPanel
from tutor.simview.screen import SimScreen
from tutor.widgets.keybar import KeyBar

FIXTURES = Path(__file__).parent / "fixtures" / "tui" / "lessons"
SIZE = (100, 30)
KEYMAPPED = (TutorApp, HomeScreen, LessonScreen, MachinesScreen, SimScreen, SimPanel, HelpScreen, ConfirmScreen,
             ErrorScreen, CommandPicker, LinkScreen, NginxConfigScreen, RoleDialog)


def save_keymap(keymap: dict[str, str]) -> None:
    folder = Path(os.environ["TUTOR_DATA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"keymap": keymap}), encoding="utf-8")


def test_every_key_id_is_declared_once():
    ids = [key.id for cls in KEYMAPPED for key in cls.KEYMAP]
    assert len(ids) == len(set(ids))
    for cls in KEYMAPPED:  # and every binding of a keymapped class comes from its KEYMAP (or is unnamed)
        assert {b.id for b in cls.BINDINGS if b.id} == {key.id for key in cls.KEYMAP if key.action}


def test_a_keymap_in_settings_is_read_and_a_bad_one_ignored(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"keymap": {"lesson.next": "j,right"}}), encoding="utf-8")
    assert Settings.load(tmp_path)[0].keymap == {"lesson.next": "j,right"}
    for bad in ({"lesson.next": "j\x1b[31m"}, {"lesson.next": 3}, ["j"], {"lesson.next": ""}):
        (tmp_path / "settings.json").write_text(json.dumps({"keymap": bad}), encoding="utf-8")
        assert Settings.load(tmp_path)[0].keymap == {}


async def test_an_overridden_key_acts_and_help_and_bar_show_it():
    save_keymap({"lesson.next": "j", "lesson.steps": "ctrl+t"})
    app = TutorApp(lang="id", lessons_root=FIXTURES)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_lesson(pilot)
        start = screen.index
        await pilot.press("n")  # the default key no longer acts
        await pilot.pause()
        assert screen.index == start
        await pilot.press("j")
        await pilot.pause()
        assert screen.index == start + 1
        assert ("^t", "daftar langkah") in screen.query_one(KeyBar)._pairs
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        assert rows.get("j") == "langkah berikutnya" and "n" not in rows
        assert rows.get("^t") == "daftar langkah"


async def test_the_bar_follows_focus_into_an_embedded_simulator():
    save_keymap({})
    app = TutorApp(lang="en", lessons_root=FIXTURES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_first_lesson(pilot)
        bar = screen.query_one(KeyBar)
        assert bar._pairs[0] == ("F1", "help") and ("t", "step list") in bar._pairs
        panel = SimPanel("web-server-basic", "en", playing=False, timer=False)
        await screen.current_view().mount(panel)  # as a step's {sim} block does
        panel.focus()
        await pilot.pause()
        assert bar._pairs[0] == ("F1", "help")
        assert ("t", "start") in bar._pairs and ("s", "stop") in bar._pairs and ("t", "step list") not in bar._pairs
        screen.set_focus(None)
        await pilot.pause()
        assert ("t", "step list") in bar._pairs and ("s", "stop") not in bar._pairs


async def test_tutor_play_bar_and_help_are_the_simulators_keys_then_the_apps():
    save_keymap({"sim.stop": "x"})
    app = TutorApp(lang="id", play=(None, None))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SimScreen)
        pairs = app.screen.query_one(KeyBar)._pairs
        assert pairs[0] == ("F1", "bantuan") and ("space", "jalan/jeda") in pairs and ("x", "hentikan") in pairs
        assert not any(key == "s" for key, _ in pairs)
        own, everywhere = help_rows(app.screen, "id")
        assert dict(own)["x"].startswith("Hentikan: ") and "s" not in dict(own)
        assert [key for key, _ in everywhere] == ["F1", "F2 / Ctrl+L", "Ctrl+P", "Ctrl+Q"]
        assert bar_pairs(app.screen, "en")[0] == ("F1", "help")
        assert declared(app.screen.query_one(SimPanel))


async def test_f1_over_a_dialog_lists_the_dialogs_keys():
    save_keymap({"confirm.yes": "j"})
    app = TutorApp(lang="id", lessons_root=FIXTURES)
    async with app.run_test(size=SIZE) as pilot:
        app.confirm_reset_all()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        assert rows["j"] == "jawab ya" and rows["Esc / n"].startswith("jawab tidak")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)

