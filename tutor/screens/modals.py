"""Dialogs: contextual help, confirmation, lesson load errors, command picker, link viewer."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static
from textual.widgets.option_list import Option

from tutor.lessons.model import Command, LessonError
from tutor.keymap import Key, bindings, help_rows
from tutor.screens.base import TutorModal
from tutor.screens.picker import PickerModal


class HelpScreen(TutorModal):
    """The keys of the screen below (F1 was pressed there) and the keys that work everywhere."""

    DEFAULT_CSS = """
    HelpScreen #help-box { border-title-style: bold; }
    """
    KEYMAP = (Key("help.close", "escape,f1,q", "close", "key.close_dialog", display="Esc / F1 / q"),)
    BINDINGS = bindings(KEYMAP)

    def __init__(self, target: Screen[Any]) -> None:
        """`target`: the screen F1 was pressed on (a tutor screen, the simulator's, ...)."""
        super().__init__()
        self.target = target
        self.rows: list[tuple[str, str]] = []  # (key, what it does) as shown

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with VerticalScroll(classes="dialog-body"):
                yield Static(id="help-keys")

    def refresh_language(self) -> None:
        lang = self.app.lang
        box = self.query_one("#help-box", Vertical)
        box.border_title = self.t("help.title", screen=self._screen_title(lang))
        box.border_subtitle = self.t("help.close")
        own, everywhere = help_rows(self.target, lang)
        own += self._notes(lang)
        self.rows = own + everywhere
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for number, (key, text) in enumerate(self.rows):
            if number == len(own):
                if number:
                    table.add_row("", "")
                table.add_row(Text(self.t("help.everywhere"), style="italic"), "")
            table.add_row(key, text)
        self.query_one("#help-keys", Static).update(table)
        self.call_after_refresh(self._say_if_more)

    def setup(self) -> None:
        body = self.query_one(".dialog-body", VerticalScroll)
        body.focus()  # ↑ ↓ PgUp PgDn scroll the keys
        self.watch(body, "scroll_y", lambda _y: self._say_if_more(), init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_if_more)

    def _say_if_more(self) -> None:
        """The subtitle says when some keys are below the fold (a small terminal)."""
        if self.closed:
            return
        body = self.query_one(".dialog-body", VerticalScroll)
        more = body.max_scroll_y > body.scroll_y
        self.query_one("#help-box", Vertical).border_subtitle = self.t("help.close_more" if more else "help.close")

    def _notes(self, lang: str) -> list[tuple[str, str]]:
        """Rows the screen or a widget shown on it adds after the keys: `help_notes(lang)`, e.g. what
        the simulator's abbreviated column headings mean (also when it is not focused)."""
        notes: list[tuple[str, str]] = []
        for node in (self.target, *self.target.walk_children()):
            hook = getattr(node, "help_notes", None)
            if callable(hook) and node.display:
                notes += [row for row in hook(lang) if row not in notes]
        return notes

    def _screen_title(self, lang: str) -> str:
        hook = getattr(self.target, "help_title", None)
        if callable(hook):
            return str(hook(lang))
        return self.t(getattr(self.target, "HELP_TITLE", "help.title.generic"))

    def action_close(self) -> None:
        self.dismiss()


class ConfirmScreen(TutorModal[bool]):
    """Yes/No question; dismisses with True only on an explicit yes."""

    KEYMAP = (
        Key("confirm.yes", "y", "answer(True)", "key.answer_yes"),
        Key("confirm.no", "escape,n", "answer(False)", "key.answer_no", display="Esc / n"),
    )
    BINDINGS = bindings(KEYMAP)

    def __init__(self, question_key: str, *, yes_key: str = "confirm.yes", no_key: str = "confirm.no",
                 **values: object) -> None:
        super().__init__()
        self.question_key = question_key
        self.yes_key, self.no_key = yes_key, no_key  # the buttons' labels (default: reset wording)
        self.values = values

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="confirm-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="confirm-no", variant="primary")
                yield Button("", id="confirm-yes", variant="error")

    def setup(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def refresh_language(self) -> None:
        self.query_one("#confirm-question", Static).update(self.t(self.question_key, **self.values))
        self.query_one("#confirm-no", Button).label = self.t(self.no_key)
        self.query_one("#confirm-yes", Button).label = self.t(self.yes_key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ErrorScreen(TutorModal):
    """Why a lesson folder failed to load: one `file:line: message` per problem."""

    KEYMAP = (Key("error.close", "escape,enter,q", "close", "key.close_dialog", display="Esc / Enter / q"),)
    BINDINGS = bindings(KEYMAP)

    def __init__(self, folder: str, errors: list[LessonError]) -> None:
        super().__init__()
        self.folder = folder
        self.errors = errors

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="error-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static("\n".join(str(error) for error in self.errors), id="error-lines", markup=False)
            yield Static(classes="dialog-hint", id="error-hint")

    def refresh_language(self) -> None:
        self.query_one("#error-title", Static).update(self.t("error.title", folder=self.folder))
        self.query_one("#error-hint", Static).update(self.t("error.hint"))

    def action_close(self) -> None:
        self.dismiss()


class CommandPicker(PickerModal[Command]):
    """Choose which of a step's commands to copy; the full text is shown so it can be selected by hand."""

    DEFAULT_CSS = """
    CommandPicker OptionList { max-height: 16; }
    """
    KEYMAP = (
        Key("picker.choose", "up,down,enter", None, "key.pick_command", display="↑ ↓ Enter"),
        Key("picker.cancel", "escape", "cancel", "key.cancel", display="Esc"),
    )
    BINDINGS = bindings(KEYMAP)

    def question(self) -> str:
        return self.t("picker.title")

    def hint(self) -> str:
        return self.t("picker.hint")

    def choices(self) -> list[Option]:
        prompts = []
        for number, command in enumerate(self.items, start=1):
            where = self.t("picker.role", role=command.role) if command.role else ""
            prompts.append(Option(Text.assemble((f"{number}. ", "bold"), (where + "\n" if where else "", "italic"), command.code.rstrip())))
        return prompts


class LinkScreen(TutorModal):
    """A web link or file path: shown in full and copyable, never opened behind the learner's back."""

    KEYMAP = (
        Key("link.copy", "c", "copy", "key.copy_link"),
        Key("link.close", "escape,q", "close", "key.close_dialog", display="Esc / q"),
    )
    BINDINGS = bindings(KEYMAP)

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target
        self.rows: list[tuple[str, str]] = []  # (key, what it does) as shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="link-title")
            yield Static(self.target, id="link-target", markup=False)
            yield Static(classes="dialog-hint", id="link-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="link-copy", variant="primary")
                yield Button("", id="link-close")

    def refresh_language(self) -> None:
        self.query_one("#link-title", Static).update(self.t("link.title"))
        self.query_one("#link-hint", Static).update(self.t("link.hint"))
        self.query_one("#link-copy", Button).label = self.t("link.copy")
        self.query_one("#link-close", Button).label = self.t("link.close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "link-copy":
            self.action_copy()
        else:
            self.dismiss()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.target)
        self.query_one("#link-hint", Static).update(self.t("link.copied"))

    def action_close(self) -> None:
        self.dismiss()
