"""The break-fix drills in the TUI: the list with what the learner solved, and (as root, with the lab
up) start, check, hint and give up; elsewhere the commands to type instead.

Everything the screen says about a drill comes from tutor.drills.text, as `tutor drill` prints it.
"""

from __future__ import annotations

import asyncio
import os
import sys

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.i18n import tr
from tutor.keymap import Key, bindings
from tutor.screens.base import TutorScreen
from tutor.widgets.keybar import KeyBar
from tutor.widgets.option_list import SafeOptionList

TEXT = "drills_ui"  # the section of tutor/locale/<lang>.toml


def lab_unavailable() -> str | None:
    """Why this process cannot run drills on the lab (catalogue key), or None when it can."""
    if not sys.platform.startswith("linux"):
        return "why.not_linux"
    if os.geteuid() != 0:
        return "why.not_root"
    from tutor.lab.lab import Lab

    return None if Lab.as_built().is_up() else "why.not_up"


class DrillsScreen(TutorScreen):
    """Drills on the left; on the right the highlighted drill: its state, then what the last action said."""

    DEFAULT_CSS = """
    DrillsScreen #drills-body { height: 1fr; }
    DrillsScreen #drills { width: 2fr; min-width: 30; border: round $primary 50%; margin: 0 1; }
    DrillsScreen #drill-pane { width: 3fr; border: round $primary 50%; padding: 0 1; margin: 0 1 0 0; }
    """

    KEYMAP = (
        Key("drills.move", "up,down", None, "key.move", section="drills_ui", display="↑ ↓"),
        Key("drills.start", "enter", None, "key.start", bar="key.start", display="Enter", section="drills_ui"),
        Key("drills.check", "k", "check", "key.check", bar="key.check", section="drills_ui"),
        Key("drills.hint", "h", "hint", "key.hint", bar="key.hint", section="drills_ui"),
        Key("drills.give_up", "g", "give_up", "key.give_up", bar="key.give_up", section="drills_ui"),
        Key("drills.back", "escape", "back", "key.back", bar="key.back", display="Esc", pin=True, section="drills_ui"),
    )
    BINDINGS = bindings(KEYMAP)
    HELP_TITLE = "help.title.generic"

    def __init__(self) -> None:
        super().__init__()
        self.said = Text()  # what the last action printed
        self.shown: str | None = None  # the drill `said` is about
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Static(id="drills-title", classes="title-bar")
        with Horizontal(id="drills-body"):
            yield SafeOptionList(id="drills")
            with VerticalScroll(id="drill-pane"):
                yield Static(id="drill-detail")
        yield KeyBar(id="keybar")

    def setup(self) -> None:
        self.query_one("#drills", OptionList).focus()

    def refresh_language(self) -> None:
        self.query_one("#drills-title", Static).update(tr(TEXT, "title", self.app.lang))
        self.query_one("#drills", OptionList).border_title = tr(TEXT, "list", self.app.lang)
        self.query_one(KeyBar).refresh_keys()
        self.refresh_progress()

    def refresh_progress(self) -> None:
        from tutor.drills import session

        lang = self.app.lang
        solved = {run["drill"] for run in session.history() if run.get("outcome") == "solved"}
        drills = self.query_one("#drills", OptionList)
        highlighted = drills.highlighted
        drills.set_options([Option(Text.assemble(("✓ " if d.id in solved else "  ", "bold green"), d.title[lang],
                                                 no_wrap=True, overflow="ellipsis"), id=d.id)
                            for d in session.catalogue()[0]])
        drills.highlighted = min(highlighted or 0, drills.option_count - 1)
        self._show()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id != self.shown:  # another drill: what the last action said was about the old one
            self.shown = event.option.id
            self.said = Text()
        self._show()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = event.option.id or ""
        if self._cannot(f"sudo tutor drill start {event.option_index + 1}"):
            return
        from tutor.screens.modals import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._act("start", name)

        self.app.push_screen(ConfirmScreen("confirm.drill_start", yes_key="confirm.drill_yes",
                                           no_key="confirm.drill_no"), answered)

    def action_check(self) -> None:
        if not self._cannot("sudo tutor drill check"):
            self._act("check")

    def action_hint(self) -> None:
        if not self._cannot("sudo tutor drill hint"):
            self._act("hint")

    def action_give_up(self) -> None:
        if not self._cannot("sudo tutor drill give-up"):
            self._act("give-up")

    def action_back(self) -> None:
        self.app.pop_screen()

    # --- doing -------------------------------------------------------------------------------------

    def _cannot(self, command: str) -> bool:
        """Say why the TUI cannot act and what to type instead; True when it cannot."""
        why = lab_unavailable()
        if why is None:
            return False
        lang = self.app.lang
        self.said = Text(tr(TEXT, why, lang) + "\n" + tr(TEXT, "type_instead", lang, command=command))
        self._show()
        return True

    def _act(self, action: str, name: str = "") -> None:
        if self.busy:
            return
        self.busy = True
        self.said = Text(tr(TEXT, "working", self.app.lang), style="dim")
        self._show()
        lang = self.app.lang
        how = {"check": tr(TEXT, "how.check", lang), "hint": tr(TEXT, "how.hint", lang)}
        self.run_worker(self._run(action, name, lang, how), exclusive=True, group="drill", exit_on_error=False)

    async def _run(self, action: str, name: str, lang: str, how: dict[str, str]) -> None:
        try:
            said = await asyncio.to_thread(_act_on_lab, action, name, lang, how)
        except Exception as exc:  # noqa: BLE001 - a lab error is shown, the screen stays
            said = tr(TEXT, "failed", self.app.lang, why=_reason(exc, self.app.lang)[:300])
        self.busy = False
        if self.closed:
            return
        self.said = Text(said)
        self.refresh_progress()

    def _show(self) -> None:
        from tutor.drills import session, text

        drills = self.query_one("#drills", OptionList)
        option = drills.highlighted_option
        if option is None or self.closed:
            return
        drill = session.find(option.id or "")
        lang = self.app.lang
        runs = [run for run in session.history() if run.get("drill") == drill.id]
        detail = Text.assemble((drill.title[lang], "bold"), "\n",
                               (text.variants(len(drill.variants), lang), "dim"), "\n\n")
        if runs:
            last = runs[-1]
            detail.append(tr(TEXT, f"last.{last.get('outcome')}", lang, count=len(runs), hints=last.get("hints", 0),
                             when=text.duration(float(last.get("seconds", 0)), lang)) + "\n\n")
        if self.said:
            detail.append_text(self.said)
        else:
            detail.append(tr(TEXT, "how", lang), style="dim")
        self.query_one("#drill-detail", Static).update(detail)


def _reason(exc: Exception, lang: str) -> str:
    """Why an action failed, in `lang` when the error carries a catalogue key (lab and drill errors)."""
    from tutor.drills.actions import ActionFailed
    from tutor.lab.errors import LabError

    return exc.message(lang) if isinstance(exc, (ActionFailed, LabError)) else str(exc)


def _act_on_lab(action: str, name: str, lang: str, how: dict[str, str]) -> str:
    from tutor.drills.act import act
    from tutor.lab.lab import Lab

    return act(Lab.as_built(), action, lang, name, how=how).text
