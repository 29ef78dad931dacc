"""`SimScreen`: the simulator on a whole screen (`tutor play`), already playing."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static

from sim.scenario import Scenario
from tutor.i18n import tr
from tutor.keymap import Key, bindings
from tutor.scenarios import ScenarioOpenError, runnable
from tutor.simview.panel import SimPanel
from tutor.simview.strings import STRINGS
from tutor.widgets.keybar import KeyBar


class SimScreen(Screen):
    """A full-screen `SimPanel`. `scenario_path` may be a scenario name, a path, a `sim.Scenario` or
    None (the demo); `nginx_conf` maps a learner's nginx config onto it. A scenario or config that
    cannot be used is shown as a one-line message instead of the simulator."""

    DEFAULT_CSS = """
    SimScreen { layout: vertical; }
    SimScreen SimPanel { height: 1fr; padding: 0 1; }
    SimScreen #sim-error { height: 1fr; padding: 1 2; color: $error; }
    """
    KEYMAP = (Key("sim.close", "escape", "close", "key.close", bar="key.close", display="Esc", pin=True,
                  section="simview"),)
    BINDINGS: ClassVar[list[BindingType]] = [*bindings(KEYMAP)]
    NARROW = 120  # below this the bar leaves out the keys a demo needs least (F1 lists them all)
    LESS_USED = frozenset({"sim.slow", "sim.policy", "sim.restart", "sim.step", "sim.faster", "sim.slower",
                           "sim.rate_up", "sim.rate_down"})

    def __init__(
        self,
        scenario_path: str | Path | Scenario | None = None,
        nginx_conf: str | Path | None = None,
        *,
        lang: str = "id",
        playing: bool = True,
        timer: bool = True,
        confirm_close: bool = False,
    ) -> None:
        super().__init__()
        self.lang = lang
        self.confirm_close = confirm_close  # `tutor play`: Esc asks before the run is thrown away
        self.error: str | None = None
        self.panel: SimPanel | None = None
        try:
            scenario = runnable(scenario_path, nginx_conf)
        except ScenarioOpenError as exc:
            self.error = exc.message(lang)
        else:
            self.panel = SimPanel(scenario, lang, playing=playing, timer=timer, id="sim-panel")

    def compose(self) -> ComposeResult:
        if self.panel is not None:
            yield self.panel
        else:
            lang = getattr(self.app, "lang", self.lang)
            yield Static(tr(STRINGS, "msg.bad_scenario", lang, reason=self.error), id="sim-error", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        if self.panel is not None:
            self.panel.focus()

    def hidden_keys(self) -> frozenset[str]:
        """Keys the bar leaves out: on a narrow screen, the ones a demo needs least."""
        return self.LESS_USED if self.size.width < self.NARROW else frozenset()

    def on_resize(self) -> None:
        for bar in self.query(KeyBar):
            bar.refresh_keys()

    def on_screen_suspend(self) -> None:
        """F1 help or a dialog covers the simulator: the run waits (a demo must not end unseen)."""
        panel = self.panel
        self._was_playing = panel is not None and panel.playing
        if panel is not None and self._was_playing:
            panel.playing = False

    def on_screen_resume(self) -> None:
        """Back on top: play on if it was playing before it was covered."""
        if getattr(self, "_was_playing", False) and self.panel is not None and not self.panel.player.frame.finished:
            self.panel.playing = True
        self._was_playing = False

    # The app's F1 help calls this hook (the rows come from the keys that act: tutor.keymap).
    def help_title(self, lang: str) -> str:
        """The title of the F1 help for this screen, in `lang`."""
        return tr(STRINGS, "help.title", lang)

    def action_close(self) -> None:
        """Leave the simulator (after asking, for `tutor play`): back to the previous screen, or
        quit when it is the only one."""
        if not self.confirm_close or self.panel is None:
            self._close()
            return
        from tutor.screens.modals import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._close()

        self.app.push_screen(ConfirmScreen("sim.confirm_close", yes_key="sim.close_yes", no_key="sim.close_no"),
                             answered)

    def _close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()
        else:
            self.app.exit()
