"""The one "pick one from a list" dialog: a question, the choices (↑ ↓ Enter), maybe a hint; Esc
picks nothing. The command picker (which command to copy) and the role dialog (which role a VM
has) are two of it."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.screens.base import TutorModal
from tutor.widgets.option_list import SafeOptionList

Item = TypeVar("Item")


class PickerModal(TutorModal[Item | None], Generic[Item]):
    """Pick one of `items` (dismissed with it), or none (Esc, or a choice `picked` maps to None).

    A subclass gives the texts in the current language: `question()`, `choices()` (one Option per
    item, maybe more), `hint()` (None: no hint row), and its KEYMAP (ids of its own, for the user's
    keymap), whose Esc key runs `cancel`.
    """

    DEFAULT_CSS = """
    PickerModal OptionList { height: auto; border: none; }
    """

    def __init__(self, items: list[Item]) -> None:
        super().__init__()
        self.items = items

    def question(self) -> str:
        raise NotImplementedError

    def choices(self) -> list[Option]:
        raise NotImplementedError

    def hint(self) -> str | None:
        return None

    def picked(self, index: int) -> Item | None:
        """What choosing the option at `index` answers (by default the item at that index)."""
        return self.items[index]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="picker-title", markup=False)
            yield SafeOptionList(id="picker-options")
            if self.hint() is not None:
                yield Static(classes="dialog-hint", id="picker-hint", markup=False)

    def setup(self) -> None:
        self.query_one("#picker-options", OptionList).focus()

    def refresh_language(self) -> None:
        self.query_one("#picker-title", Static).update(self.question())
        for hint in self.query("#picker-hint").results(Static):
            hint.update(self.hint() or "")
        options = self.query_one("#picker-options", OptionList)
        highlighted = options.highlighted
        options.set_options(self.choices())
        options.highlighted = highlighted or 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.picked(event.option_index))

    def action_cancel(self) -> None:
        self.dismiss(None)
