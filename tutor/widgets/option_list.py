"""Textual's OptionList, guarded against an upstream crash.

PageUp/PageDown on a list whose options changed while it had no size (hidden, or shown but not
laid out yet) raise `KeyError` in Textual 8.2's `OptionList._move_page`, which takes the app
down. A learner holding PageDown hits it; here such a key does nothing until the list has a size.
"""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList

from tutor.widgets.lifecycle import being_removed


def can_page(option_list: OptionList) -> bool:
    """Whether PageUp/PageDown can move the highlight (the list has been laid out)."""
    return bool(option_list.scrollable_content_region)


class SafeOptionList(OptionList):
    """An OptionList whose PageUp/PageDown wait for the list to be laid out."""

    def action_page_up(self) -> None:
        if can_page(self):
            super().action_page_up()

    def action_page_down(self) -> None:
        if can_page(self):
            super().action_page_down()


class SafeCommandPalette(CommandPalette):
    """Textual's command palette with the same guard on its command list, and deaf to the results
    its search worker delivers after Esc (or a chosen command) closed it: Textual 8.2 then looks
    for the list that is gone (NoMatches in the worker takes the app down)."""

    def _refresh_command_list(self, command_list, commands, clear_current: bool) -> None:
        if not being_removed(self):
            super()._refresh_command_list(command_list, commands, clear_current)

    def _watch__list_visible(self) -> None:
        if not being_removed(self):
            super()._watch__list_visible()

    def _action_command_list(self, action: str) -> None:
        if action in ("page_up", "page_down") and not can_page(self.query_one(CommandList)):
            return
        super()._action_command_list(action)
