"""Textual's OptionList, guarded against an upstream crash.

PageUp/PageDown on a list whose options changed while it had no size (hidden, or shown but not
laid out yet) raise `KeyError` in Textual 8.2's `OptionList._move_page`, which takes the app
down. A learner holding PageDown hits it; here such a key does nothing until the list has a size.
"""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList
from textual.widgets.option_list import Option

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

    def __init__(self, *args, no_matches: str = "No matches found", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.no_matches = no_matches  # shown when a search finds nothing, in the learner's language

    def _start_no_matches_countdown(self, search_value: str) -> None:
        """Textual's countdown to its 'No matches found' line, with our text (its own is English)."""
        self._stop_no_matches_countdown()

        def show() -> None:
            if being_removed(self):
                return
            if search_value:
                self.query_one(CommandList).add_option(Option(
                    Align.center(Text(self.no_matches, style="not bold")), disabled=True, id=self._NO_MATCHES))
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)

    def _refresh_command_list(self, command_list, commands, clear_current: bool) -> None:
        if not being_removed(self):
            super()._refresh_command_list(command_list, commands, clear_current)

    def _watch__list_visible(self) -> None:
        if not being_removed(self):
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if not being_removed(self):  # the busy countdown can end after Esc (later on a busy machine)
            await super()._watch__show_busy()

    def _action_cursor_down(self) -> None:
        if not being_removed(self):  # keys held after Esc reach the palette while its list is removed
            super()._action_cursor_down()

    def _action_command_list(self, action: str) -> None:
        if being_removed(self) or (action in ("page_up", "page_down") and not can_page(self.query_one(CommandList))):
            return
        super()._action_command_list(action)
