"""The one pick-one-from-a-list dialog (screens/picker.py) as the role dialog and the command
picker use it, and the typed app accessor the screens and widgets read the app through."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.lessons.model import Command
from tutor.live.multipass import VM
from tutor.screens.modals import CommandPicker
from tutor.screens.picker import PickerModal
from tutor.screens.role_dialog import RoleDialog
from tutor.widgets.option_list import SafeOptionList
from tutor.widgets.typed_app import TutorAppProperty

FIXTURES = Path(__file__).parent / "fixtures" / "lessons"
SIZE = (80, 24)
VM_SEEN = VM(name="sinambela", state="Running", ipv4=("10.37.19.64",))
COMMANDS = [Command("bash", "sudo apt-get update"), Command("bash", "curl -I http://localhost", role="proxy")]


async def answer(dialog: PickerModal, *keys: str) -> list[object]:
    """Push `dialog`, press `keys` once its list is there, and return what it was dismissed with."""
    answers: list[object] = []
    async with TutorApp(lang="en", lessons_root=FIXTURES).run_test(size=SIZE) as pilot:
        pilot.app.push_screen(dialog, answers.append)
        assert await wait_for(pilot, lambda: dialog.ready and dialog.query_one("#picker-options").option_count)
        await pilot.press(*keys)
        assert await wait_for(pilot, lambda: answers)
    return answers


async def test_the_role_dialog_answers_a_role_or_none_for_skip_and_esc():
    roles = ["proxy", "app3"]
    assert await answer(RoleDialog(VM_SEEN, roles), "down", "enter") == ["app3"]
    assert await answer(RoleDialog(VM_SEEN, roles), "down", "down", "enter") == [None]  # "skip"
    assert await answer(RoleDialog(VM_SEEN, roles), "escape") == [None]


async def test_the_command_picker_answers_the_command_or_none():
    assert await answer(CommandPicker(COMMANDS), "down", "enter") == [COMMANDS[1]]
    assert await answer(CommandPicker(COMMANDS), "escape") == [None]


async def test_both_pickers_share_one_dialog_with_their_own_texts():
    async with TutorApp(lang="id", lessons_root=FIXTURES).run_test(size=SIZE) as pilot:
        for dialog, question, hint in ((RoleDialog(VM_SEEN, ["proxy"]), "sinambela", []),
                                       (CommandPicker(COMMANDS), "Salin perintah", ["Esc"])):
            pilot.app.push_screen(dialog)
            assert await wait_for(pilot, lambda: dialog.ready)
            assert question in str(dialog.query_one("#picker-title", Static).content)
            hints = [str(found.content) for found in dialog.query("#picker-hint").results(Static)]
            assert len(hints) == len(hint) and all(word in text for word, text in zip(hint, hints))
            # PgDn before the list has a size must not take the app down (SafeOptionList)
            assert isinstance(dialog.query_one("#picker-options"), SafeOptionList)
            await pilot.press("pagedown", "escape")
            assert await wait_for(pilot, lambda: pilot.app.screen is not dialog)


class _Reads(Static):
    app = TutorAppProperty()


class _Plain(App[None]):
    def compose(self) -> ComposeResult:
        yield _Reads()


async def test_the_typed_app_property_is_the_running_app_in_any_app():
    """`app = TutorAppProperty()` types `self.app`; it returns whichever app runs the widget."""
    plain = _Plain()
    async with plain.run_test(size=SIZE):
        assert plain.query_one(_Reads).app is plain
    tutor = TutorApp(lang="en", lessons_root=FIXTURES)
    async with tutor.run_test(size=SIZE):
        assert tutor.screen.app is tutor
