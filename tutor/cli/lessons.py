"""`tutor` (the lessons) and `tutor play [SCENARIO]` (the animated simulator straight away).

Exit codes: 0 the app ended, 2 a scenario or `--join` URL that cannot be used (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from tutor.cli.classroom import TEXT as CLASS_TEXT
from tutor.cli.scenario_list import add_list_option, print_list
from tutor.i18n import tr
from tutor.sanitize import sanitize


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor play` (help texts: the [cli] catalogue, keys "play.*")."""
    play = sub.add_parser("play")
    play.add_argument("scenario", nargs="?", metavar="SCENARIO")
    play.add_argument("--nginx-conf", metavar="FILE")
    add_list_option(play)


def run(args: argparse.Namespace) -> int:
    """Run `tutor` or `tutor play` with parsed args; returns the exit code."""
    from tutor.app import TutorApp

    lang = args.lang if getattr(args, "lang_explicit", False) else None
    play = None
    if getattr(args, "command", None) == "play":
        from tutor.scenarios import ScenarioOpenError, runnable

        if getattr(args, "list", False):
            return print_list(args.lang)
        try:
            scenario = runnable(args.scenario, args.nginx_conf)
        except ScenarioOpenError as exc:  # names and file text may hold anything: printed terminal-safe
            print(sanitize(f"tutor play: {exc.message(args.lang)}", 1000, markup=False), file=sys.stderr)
            return 2
        play = (scenario, None)
    join = getattr(args, "join", None)
    if join is not None:
        from tutor.classroom.client import JoinError, parse_join_url

        try:
            parse_join_url(join)
        except JoinError as exc:
            reason = tr(CLASS_TEXT, str(exc), args.lang)
            print(tr(CLASS_TEXT, "join.cli_failed", args.lang, reason=reason), file=sys.stderr)
            return 2
    app = TutorApp(lang=lang, default_lang=args.lang, play=play, join=join)
    app.run()
    return app.return_code or 0
