"""Quitting always stays reachable: a user keymap that gives the quit key to another binding loses
that key there, with a warning (Textual would otherwise take Ctrl+Q away from quitting, silently)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import FUZZ
from test_keymap import FIXTURES, SIZE, save_keymap
from tui_support import open_first_lesson
from tutor.app import TutorApp
from tutor.keymap import QUIT_ID, keep_quit


@pytest.mark.parametrize("keymap", [
    {"app.palette": "ctrl+q"},  # an app binding: Textual gave it the key and quitting lost it
    {"app.help": "ctrl+q,f1", "lesson.next": "j,ctrl+q"},
    {"app.quit": "f5", "app.language": "f5,f2", "lesson.next": "f5,j"},
])
async def test_a_keymap_cannot_take_the_quit_key_away(keymap):
    save_keymap(keymap)
    app = TutorApp(lang="en", lessons_root=FIXTURES)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await open_first_lesson(pilot)
        await pilot.pause()
        warnings = [n.message for n in app._notifications if "quit key" in n.message]
        assert len(warnings) == 1 and "\n" not in warnings[0]
        assert all(binding in warnings[0] for binding in keymap if binding != QUIT_ID)
        start = screen.index
        if "j" in keymap.get("lesson.next", ""):
            await pilot.press("j")  # the rest of the binding still acts
            await pilot.pause()
            assert screen.index == start + 1
        assert app.return_code is None
        await pilot.press(keymap.get(QUIT_ID, "ctrl+q"))
        await pilot.pause()
        assert app.return_code == 0  # asked to quit (leaving run_test would end it anyway)


def test_the_warning_is_in_both_languages():
    from tutor.i18n import tr

    texts = {lang: tr("ui", "notice.keymap_quit", lang, keys="ctrl+q", ids="lesson.next") for lang in ("id", "en")}
    assert texts["id"] != texts["en"] and all("ctrl+q" in text and "lesson.next" in text for text in texts.values())


KEYS = st.sampled_from(["ctrl+q", "j", "f5", "ctrl+t", "right"])


@FUZZ
@given(st.dictionaries(st.sampled_from([QUIT_ID, "lesson.next", "lesson.steps", "sim.stop"]),
                       st.lists(KEYS, min_size=1, max_size=3).map(",".join), max_size=4))
def test_fuzz_no_keymap_leaves_the_quit_keys_on_another_binding(keymap):
    kept, refused = keep_quit(keymap)
    quit_keys = set(kept.get(QUIT_ID, "ctrl+q").split(","))
    assert all(not quit_keys & set(keys.split(",")) for binding, keys in kept.items() if binding != QUIT_ID)
    assert set(refused) == {b for b, keys in keymap.items() if b != QUIT_ID and quit_keys & set(keys.split(","))}
    assert all(keys for keys in kept.values())


def test_the_guard_knows_the_apps_quit_key():
    from tutor.keymap import QUIT_KEYS

    (quit_key,) = [key for key in TutorApp.KEYMAP if key.action == "quit"]
    assert (quit_key.id, quit_key.keys) == (QUIT_ID, QUIT_KEYS)
