"""`SimScreen`: the simulator on a whole screen (`tutor play`), already playing."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from tutor.simview.panel import SimPanel
from tutor.simview.player import open_scenario


class SimScreen(Screen):
    """A full-screen `SimPanel`. `scenario_path` may be a scenario name, a path or None (the demo);
    `nginx_conf` maps a learner's nginx config onto it (raises `ScenarioOpenError` if unusable)."""

    DEFAULT_CSS = """
    SimScreen { layout: vertical; }
    SimScreen SimPanel { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", show=False, id="sim.close")]

    def __init__(
        self,
        scenario_path: str | Path | None = None,
        nginx_conf: str | Path | None = None,
        *,
        lang: str = "id",
        playing: bool = True,
        timer: bool = True,
    ) -> None:
        super().__init__()
        self.scenario = open_scenario(scenario_path, nginx_conf)
        self.panel = SimPanel(self.scenario, lang=lang, playing=playing, timer=timer, id="sim-panel")

    def compose(self) -> ComposeResult:
        yield self.panel
        yield Footer()

    def on_mount(self) -> None:
        self.panel.focus()

    def action_close(self) -> None:
        """Leave the simulator: back to the previous screen, or quit when it is the only one."""
        if len(self.app.screen_stack) > 1:
            self.dismiss()
        else:
            self.app.exit()
