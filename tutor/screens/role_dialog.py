"""Which role does a VM found by `multipass list` have, when its name does not say?"""

from __future__ import annotations

from textual.widgets.option_list import Option

from tutor.keymap import Key, bindings
from tutor.live.multipass import VM
from tutor.screens.picker import PickerModal


class RoleDialog(PickerModal[str]):
    """Which role does this VM have? One of the free roles, or skip (None)."""

    DEFAULT_CSS = """
    RoleDialog OptionList { max-height: 8; }
    """
    KEYMAP = (
        Key("role.choose", "up,down,enter", None, "key.pick_role", display="↑ ↓ Enter"),
        Key("role.skip", "escape", "cancel", "key.skip_vm", display="Esc"),
    )
    BINDINGS = bindings(KEYMAP)

    def __init__(self, vm: VM, roles: list[str]) -> None:
        super().__init__(roles)
        self.vm = vm

    def question(self) -> str:
        return self.t("machines.ask_role", vm=self.vm.describe())

    def choices(self) -> list[Option]:
        return [Option(role, id=role) for role in self.items] + [Option(self.t("machines.skip"), id="skip")]

    def picked(self, index: int) -> str | None:
        return self.items[index] if index < len(self.items) else None  # the last choice: skip
