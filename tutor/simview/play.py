"""`PlayApp`: a small app that shows only `SimScreen` (`tutor play` before/without the full app)."""

from __future__ import annotations

import argparse
import sys

from textual.app import App
from textual.reactive import reactive

from tutor.simview.player import ScenarioOpenError, open_scenario
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


def run_play(args: argparse.Namespace) -> int:
    """`tutor play [SCENARIO.toml] [--nginx-conf FILE]`: check the inputs, then run PlayApp."""
    try:
        scenario = open_scenario(args.scenario, args.nginx_conf)
    except ScenarioOpenError as exc:
        print(f"tutor play: {exc}", file=sys.stderr)
        return 2
    PlayApp(scenario, lang=args.lang).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `tutor play` on its own: `python -c "from tutor.simview.play import main; main()"`."""
    parser = argparse.ArgumentParser(prog="tutor play")
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--nginx-conf")
    parser.add_argument("--lang", choices=("id", "en"), default="id")
    return run_play(parser.parse_args(argv))
