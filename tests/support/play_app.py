"""`PlayApp`: a small app that shows only `SimScreen` (tests and benchmarks of the simulator view;
`tutor play` itself runs `TutorApp(play=...)`)."""

from __future__ import annotations

from textual.app import App
from textual.reactive import reactive

from tutor.simview.screen import SimScreen


class PlayApp(App):
    """The animated simulator, full screen, already playing. `scenario_path` is anything `SimScreen`
    takes (None, a name, a path, a `sim.Scenario`); `lang` is "id" or "en"."""

    TITLE = "tutor play"
    lang = reactive("id")

    def __init__(self, scenario_path=None, nginx_conf=None, *, lang: str = "id", timer: bool = True,
                 playing: bool = True) -> None:
        super().__init__()
        self.set_reactive(PlayApp.lang, lang)
        self.theme = "textual-dark"
        self._screen_args = (scenario_path, nginx_conf)
        self._timer = timer
        self._playing = playing

    def on_mount(self) -> None:
        scenario_path, nginx_conf = self._screen_args
        self.push_screen(SimScreen(scenario_path, nginx_conf, lang=self.lang, timer=self._timer,
                                   playing=self._playing))
