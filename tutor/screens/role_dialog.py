"""Which role does a VM found by `multipass list` have, when its name does not say?"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.keymap import Key, bindings
from tutor.live.multipass import VM
from tutor.screens.base import TutorModal


class RoleDialog(TutorModal[str | None]):
    """Which role does this VM have? One of the free roles, or skip (None)."""

    DEFAULT_CSS = """
    RoleDialog OptionList { height: auto; max-height: 8; border: none; }
    """
    KEYMAP = (
        Key("role.choose", "up,down,enter", None, "key.pick_role", display="↑ ↓ Enter"),
        Key("role.skip", "escape", "skip", "key.skip_vm", display="Esc"),
    )
    BINDINGS = bindings(KEYMAP)

    def __init__(self, vm: VM, roles: list[str]) -> None:
        super().__init__()
        self.vm = vm
        self.roles = roles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="role-question", markup=False)
            yield OptionList(id="role-options")

    def setup(self) -> None:
        self.query_one("#role-options", OptionList).focus()

    def refresh_language(self) -> None:
        self.query_one("#role-question", Static).update(self.t("machines.ask_role", vm=self.vm.describe()))
        options = [Option(role, id=role) for role in self.roles] + [Option(self.t("machines.skip"), id="skip")]
        option_list = self.query_one("#role-options", OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(options)
        option_list.highlighted = highlighted or 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(None if event.option.id == "skip" else event.option.id)

    def action_skip(self) -> None:
        self.dismiss(None)
